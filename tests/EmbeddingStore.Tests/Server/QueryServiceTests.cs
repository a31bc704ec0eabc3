using EmbeddingStore.Protos;
using Grpc.Core;

namespace EmbeddingStore.Tests.Server;

/// <summary>The query methods' request checks and conversions, through the in-memory test server.</summary>
public class QueryServiceTests
{
    private static async Task<StatusCode> CodeOf(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

    [Fact]
    public async Task Neighbors_NoQueryOrRaggedVector_InvalidArgument()
    {
        await using var host = await TestServerHost.StartAsync();
        await host.Client.CreateTableAsync("t", 4);
        await host.Client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", UnknownPolicy = UnknownPolicy.Create });
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.Rows.NeighborsAsync(new NeighborsRequest { View = "v" }).ResponseAsync));
        var ragged = new NeighborsRequest { View = "v", Vector = Google.Protobuf.ByteString.CopyFrom(new byte[6]) };
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.Rows.NeighborsAsync(ragged).ResponseAsync));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => host.Client.NeighboursAsync("nosuch", "good")));
    }

    [Fact]
    public async Task CreateViewAndDescribe_HygieneOptions_RoundTrip()
    {
        await using var host = await TestServerHost.StartAsync();
        await host.Client.CreateTableAsync("t", 4);
        var created = await host.Client.CreateViewAsync(new CreateViewRequest
        {
            Name = "v",
            Table = "t",
            UnknownPolicy = UnknownPolicy.Create,
            MinCount = 2,
            EvictUnusedAfterMs = 60_000,
        });
        Assert.Equal((2, 60_000L), (created.MinCount, created.EvictUnusedAfterMs));
        await host.Client.ResolveAsync("v", ["once"]);
        var described = await host.Client.DescribeViewAsync("v");
        Assert.Equal(1, described.PendingTokens);
        Assert.Equal(1, described.OwnRows); // the <unk> row "once" read as
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.CreateViewAsync(
            new CreateViewRequest { Name = "w", Table = "t", UnknownPolicy = UnknownPolicy.Create, MinCount = -1 })));
    }

    [Fact]
    public async Task SentenceVectors_UnknownWeighting_InvalidArgument()
    {
        await using var host = await TestServerHost.StartAsync();
        await host.Client.CreateTableAsync("t", 4);
        await host.Client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", UnknownPolicy = UnknownPolicy.Create });
        var request = new SentenceVectorsRequest { View = "v", Weighting = (SentenceWeighting)7, Sentences = { new Sentence { Tokens = { "a" } } } };
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.Rows.SentenceVectorsAsync(request).ResponseAsync));
        var empty = await host.Client.SentenceVectorsAsync("v", [["a", "b"]]);
        Assert.Equal((4, 0), (empty.Dim, empty.TokensUsed[0]));
        Assert.Equal(new float[4], empty.Vectors);
    }
}
