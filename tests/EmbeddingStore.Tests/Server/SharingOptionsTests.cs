using EmbeddingStore.Server;
using EmbeddingStore.Server.Services;

namespace EmbeddingStore.Tests.Server;

public class SharingOptionsTests
{
    [Fact]
    public void ChangeFeedRows_Zero_RefusedWithMessage()
    {
        var errors = ServerCommandLine.Build().Parse(["--change-feed-rows", "0"]).Errors;
        Assert.Contains(errors, e => e.Message.Contains("--change-feed-rows"));
    }

    [Fact]
    public void SharingOptions_Parsed()
    {
        var parsed = ServerCommandLine.Build().Parse(["--change-feed-rows", "1000", "--max-subscriptions-per-client", "3"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(1000, parsed.GetValue<int>("--change-feed-rows"));
        Assert.Equal(3, parsed.GetValue<int>("--max-subscriptions-per-client"));
    }

    [Fact]
    public void Limiter_LimitReached_ResourceExhaustedUntilASlotIsReturned()
    {
        var limiter = new SubscriptionLimiter(new ServerOptions { Limits = new StoreLimits { MaxSubscriptionsPerClient = 1 } });
        var first = limiter.Acquire("ipv4:10.0.0.1");
        using var otherClient = limiter.Acquire("key:trainer");
        var refused = Assert.Throws<EmbeddingStore.Core.StoreException>(() => limiter.Acquire("ipv4:10.0.0.1"));
        Assert.Equal(EmbeddingStore.Core.StoreError.ResourceExhausted, refused.Error);
        first.Dispose();
        first.Dispose(); // gives back one slot, not two
        using var again = limiter.Acquire("ipv4:10.0.0.1");
        Assert.Throws<EmbeddingStore.Core.StoreException>(() => limiter.Acquire("ipv4:10.0.0.1"));
    }
}
