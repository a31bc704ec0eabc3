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

    [Theory]
    [InlineData("ipv4:127.0.0.1:51234", "ipv4:127.0.0.1")]
    [InlineData("ipv6:[::1]:51234", "ipv6:[::1]")]
    [InlineData("unix:/tmp/socket", "unix:/tmp/socket")]
    public void ClientAddress_PortDropped(string peer, string client) =>
        Assert.Equal(client, SubscriptionLimiter.ClientAddress(peer));

    [Fact]
    public void Limiter_LimitReached_ResourceExhaustedUntilASlotIsReturned()
    {
        var limiter = new SubscriptionLimiter(new ServerOptions { Limits = new StoreLimits { MaxSubscriptionsPerClient = 1 } });
        var first = limiter.Acquire("ipv4:10.0.0.1:1000");
        using var otherClient = limiter.Acquire("ipv4:10.0.0.2:1000");
        var refused = Assert.Throws<EmbeddingStore.Core.StoreException>(() => limiter.Acquire("ipv4:10.0.0.1:2000"));
        Assert.Equal(EmbeddingStore.Core.StoreError.ResourceExhausted, refused.Error);
        first.Dispose();
        first.Dispose(); // gives back one slot, not two
        using var again = limiter.Acquire("ipv4:10.0.0.1:2000");
        Assert.Throws<EmbeddingStore.Core.StoreException>(() => limiter.Acquire("ipv4:10.0.0.1:3000"));
    }
}
