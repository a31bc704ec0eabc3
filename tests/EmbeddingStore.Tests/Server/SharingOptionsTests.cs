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
    public void NeighbourCacheMb_DefaultsToTheMemoryBudget_FlagSetsIt_ZeroRefused()
    {
        Assert.Equal(256L << 20, ServerCommandLine.ParseOptions(["--memory-mb", "256"]).ToStoreOptions().NeighbourCacheBytes);
        var options = ServerCommandLine.ParseOptions(["--memory-mb", "256", "--neighbour-cache-mb", "4096"]);
        Assert.Equal(4096L << 20, options.ToStoreOptions().NeighbourCacheBytes);
        Assert.Null(options.Problem());
        Assert.Contains("--neighbour-cache-mb", new ServerOptions { NeighbourCacheMb = 0 }.Problem());
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
