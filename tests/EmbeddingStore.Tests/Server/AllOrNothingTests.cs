using EmbeddingStore.Protos;
using EmbeddingStore.Server;
using Grpc.Core;

namespace EmbeddingStore.Tests.Server;

/// <summary>A refused request changes nothing: limits and validation come before the first write.</summary>
public class AllOrNothingTests
{
    [Fact]
    public async Task PullByTokens_OverTheFloatsLimit_RefusedBeforeAnyRowIsCreated()
    {
        await using var host = await TestServerHost.StartAsync(limits: new StoreLimits { MaxFloatsPerRequest = 10 });
        await host.Client.CreateTableAsync("t", 4);
        await host.Client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });

        // 3 new tokens of 4 floats: 12 floats, over the limit of 10.
        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Client.PullTokensAsync("v", ["n1", "n2", "n3"], UnknownPolicy.Create));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("--max-floats-per-request", refused.Status.Detail);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => host.Client.ResolveAsync("v", ["n1"], UnknownPolicy.Fail));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(0, (await host.Client.DescribeViewAsync("v")).OwnRows);
    }

    [Fact]
    public async Task Resolve_EmptyTokenLast_RefusedAndCreatesNothing()
    {
        await using var host = await TestServerHost.StartAsync();
        await host.Client.CreateTableAsync("t", 4);
        await host.Client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Client.ResolveAsync("v", ["n1", "n2", ""], UnknownPolicy.Create));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(0, (await host.Client.DescribeViewAsync("v")).OwnRows);
    }
}
