using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Store;

/// <summary>Neighbours, sentence vectors and combined pulls against the real store process and the real GloVe file.</summary>
public class QueryProcessTests
{
    private const int GloveRows = 22120;
    private static readonly long LocalMask = (1L << 40) - 1;

    private static async Task<(ServerProcess Server, EmbeddingStoreClient Client)> StartWithGloveAsync(params string[] flags)
    {
        var server = await ServerProcess.StartAsync(null, null, null, flags);
        var client = new EmbeddingStoreClient(server.Address);
        await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
        File.Copy(RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin"), Path.Combine(server.ImportDir, "glove.bin"));
        await client.ImportFileAsync("glove", "glove.bin");
        return (server, client);
    }

    [Fact]
    public async Task Neighbours_TableOverTheCacheBudget_ResourceExhaustedNamingTheFlag()
    {
        // The 22,120 x 100 table's cache is about 9.5 MiB.
        var (server, client) = await StartWithGloveAsync("--neighbour-cache-mb", "4");
        await using var _ = server;
        using var __ = client;
        try
        {
            await client.CreateViewAsync(new ViewOptions("s") { Table = "glove", Mode = TrainMode.Static, Unknown = UnknownPolicy.Fail });
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.NeighboursAsync("s", "good", k: 10));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("--neighbour-cache-mb", refused.Status.Detail);
            Assert.Contains("> limit 4 MiB", refused.Status.Detail);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task Neighbours_RealGlove_SimilarWordsFirstAndPushesSeen()
    {
        var (server, client) = await StartWithGloveAsync();
        await using var _ = server;
        using var __ = client;
        try
        {
            await client.CreateViewAsync(new ViewOptions("s") { Table = "glove", Mode = TrainMode.Static, Unknown = UnknownPolicy.Fail });
            await client.CreateViewAsync(new ViewOptions("ft") { Table = "glove", Mode = TrainMode.FineTune, Unknown = UnknownPolicy.Create });

            var good = await client.NeighboursAsync("s", "good", k: 10);
            var tokens = good.Neighbors.Select(n => n.Token).ToList();
            Assert.Contains("better", tokens);
            Assert.DoesNotContain("good", tokens);
            Assert.Equal(GloveRows - 1, good.Candidates);
            Assert.True(good.Neighbors.Zip(good.Neighbors.Skip(1)).All(p => p.First.Similarity >= p.Second.Similarity));

            // Training moves rows: a fine-tune view sees its pushes at once, the static view over the same table does not.
            await client.NeighboursAsync("ft", "good");
            var (goodVector, _, _) = await client.PullTokensAsync("ft", ["good"]);
            var ids = await client.ResolveAsync("ft", ["awful", "@user"]);
            await client.PushAsync("ft", PushKind.Assign, ids, (float[])[.. goodVector, .. goodVector.Select(x => -x)]);
            var moved = await client.NeighboursAsync("ft", "good", k: 1);
            Assert.Equal("awful", moved.Neighbors[0].Token);
            Assert.Equal(1f, moved.Neighbors[0].Similarity, 1e-4f);
            Assert.NotEqual("awful", (await client.NeighboursAsync("s", "good", k: 1)).Neighbors[0].Token);
            var opposite = await client.NeighboursAsync("ft", goodVector.Select(x => -x).ToArray(), k: 1);
            Assert.Equal("@user", opposite.Neighbors[0].Token);

            var restricted = await client.NeighboursAsync("s", "the", k: 1000, restrict: 100);
            Assert.Equal(99, restricted.Candidates);
            Assert.All(restricted.Neighbors, n => Assert.True((n.Id & LocalMask) < 100, n.Token));

            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => client.NeighboursAsync("s", "zzqqxx"))).StatusCode);
            Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => client.NeighboursAsync("s", "good", k: 1001))).StatusCode);
            Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => client.NeighboursAsync("s", new float[3]))).StatusCode);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task SentenceVectors_MeanAndSif_MatchTheRowsAndCreateNothing()
    {
        var (server, client) = await StartWithGloveAsync();
        await using var _ = server;
        using var __ = client;
        try
        {
            await client.CreateViewAsync(new ViewOptions("m") { Table = "glove", Mode = TrainMode.Overlay, Unknown = UnknownPolicy.Create });
            var (rows, dim, meta) = await client.PullTokensAsync("m", ["good", "movie"]);
            string[][] sentences = [["good", "movie", "zzqqxx"], ["zzqqxx"], []];

            var mean = await client.SentenceVectorsAsync("m", sentences);
            Assert.Equal([2, 0, 0], mean.TokensUsed);
            for (var d = 0; d < dim; d++) Assert.Equal((rows[d] + rows[dim + d]) / 2, mean.Vectors[d], 1e-5f);
            Assert.All(mean.Vectors[dim..], v => Assert.Equal(0f, v));

            // SIF: weight a / (a + p(w)) with p(w) = 1 / (rank * H_N), the rank being the row's position in the table.
            const float a = 1e-3f;
            var harmonic = Enumerable.Range(1, GloveRows).Sum(i => 1.0 / i);
            var weights = meta.Select(m => a / (a + 1.0 / (((m.Id & LocalMask) + 1) * harmonic))).ToArray();
            var sif = await client.SentenceVectorsAsync("m", sentences, SentenceWeighting.Sif);
            for (var d = 0; d < dim; d++) Assert.Equal((weights[0] * rows[d] + weights[1] * rows[dim + d]) / 2, sif.Vectors[d], 1e-4f);
            Assert.True(weights[0] < weights[1], "the more frequent word weighs less");

            Assert.Equal(0, (await client.DescribeViewAsync("m")).OwnRows);
            var badA = await Assert.ThrowsAsync<RpcException>(() => client.SentenceVectorsAsync("m", sentences, SentenceWeighting.Sif, sifA: -1));
            Assert.Equal(StatusCode.InvalidArgument, badA.StatusCode);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task PullCombined_DomainViewBesideGloveTable_ConcatenatesPerToken()
    {
        var (server, client) = await StartWithGloveAsync();
        await using var _ = server;
        using var __ = client;
        try
        {
            await client.CreateTableAsync("domain", 4);
            await client.CreateViewAsync(new ViewOptions("dom") { Table = "domain", Mode = TrainMode.Overlay, Unknown = UnknownPolicy.Create });
            var ids = await client.ResolveAsync("dom", ["good", "@user"]);
            await client.PushAsync("dom", PushKind.Assign, ids, new float[] { 1, 2, 3, 4, 5, 6, 7, 8 });
            await client.CreateViewAsync(new ViewOptions("s") { Table = "glove", Mode = TrainMode.Static });
            var (glove, _, _) = await client.PullTokensAsync("s", ["good"]);

            var combined = await client.PullCombinedAsync(["dom", "glove"], ["good", "@user"], missingAsZeros: true);
            Assert.Equal(104, combined.Dim);
            Assert.Equal([4, 100], combined.Dims);
            Assert.Equal([1f, 2, 3, 4, .. glove], combined.Vectors[..104]);
            Assert.Equal([5f, 6, 7, 8, .. new float[100]], combined.Vectors[104..]);
            Assert.Equal(RowOrigin.View, combined.Meta[0].Origin);
            Assert.Equal(RowOrigin.Base, combined.Meta[1].Origin);
            Assert.Equal(RowOrigin.Unspecified, combined.Meta[3].Origin);
            Assert.Equal(0, combined.Meta[3].Id);

            var failed = await Assert.ThrowsAsync<RpcException>(() => client.PullCombinedAsync(["dom", "glove"], ["good", "@user"]));
            Assert.Equal(StatusCode.NotFound, failed.StatusCode);
            Assert.Contains("'@user' in glove", failed.Status.Detail);
            var noUnkYet = await Assert.ThrowsAsync<RpcException>(() => client.PullCombinedAsync(["s", "dom"], ["@user"], UnknownPolicy.Unk));
            Assert.Equal(StatusCode.NotFound, noUnkYet.StatusCode);
            var unkId = (await client.ResolveAsync("s", ["zzqqxx"], UnknownPolicy.Unk))[0];
            var unk = await client.PullCombinedAsync(["s", "dom"], ["@user"], UnknownPolicy.Unk);
            Assert.Equal(unkId, unk.Meta[0].Id);
            var create = await Assert.ThrowsAsync<RpcException>(() => client.PullCombinedAsync(["dom"], ["x"], UnknownPolicy.Create));
            Assert.Equal(StatusCode.InvalidArgument, create.StatusCode);
            var missing = await Assert.ThrowsAsync<RpcException>(() => client.PullCombinedAsync(["dom", "nosuch"], ["good"]));
            Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        }
        finally { server.DeleteData(); }
    }
}
