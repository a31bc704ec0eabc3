using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Store;

/// <summary>The real store process on 127.0.0.1 with the real GloVe file, used through the client library.</summary>
public class StoreProcessTests
{
    private static string SmallGlove => RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin");

    [Fact]
    public async Task ImportViewPull_RealGlove_KnownAndUnknownTokens()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            File.Copy(SmallGlove, Path.Combine(server.ImportDir, "glove.bin"));
            var updates = new List<ImportProgress>();
            var table = await client.ImportFileAsync("glove", "glove.bin", VectorFormat.Auto, new SyncProgress<ImportProgress>(updates.Add));
            Assert.Equal(22120, table.Rows);
            Assert.Equal(100, table.Dim);
            Assert.True(updates[^1].Done);

            await client.CreateViewAsync(new CreateViewRequest { Name = "m", Table = "glove", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            var destination = new float[3 * 100];
            var (ids, meta) = await client.PullTokensAsync("m", ["good", "@user", "<pad>"], destination);
            Assert.Equal(RowOrigin.Base, meta[0].Origin);
            Assert.False(meta[0].Trainable);
            Assert.Equal(RowOrigin.View, meta[1].Origin);
            Assert.True(meta[1].Trainable);
            Assert.Equal(RowOrigin.Pad, meta[2].Origin);
            Assert.All(destination[200..], v => Assert.Equal(0f, v));

            var refused = await Assert.ThrowsAsync<RpcException>(() => client.PushAsync("m", PushKind.Delta, ids[..1], new float[100]));
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            var pushed = await client.PushAsync("m", PushKind.Delta, ids[1..2], Enumerable.Repeat(1f, 100).ToArray());
            Assert.Equal(1, pushed.Applied);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task Upload_RefusedBeforeTheServerReadsItAll_CallerGetsTheServersStatus()
    {
        // The server refuses a name that exists as soon as it has read the header, while the client still has
        // 40 MB to send: the caller must see ALREADY_EXISTS and its message, not the failed write's CANCELLED.
        // Which one a write sees is a race; without the client's fix it showed within 60 attempts here.
        await using var server = await ServerProcess.StartAsync();
        var big = Path.Combine(server.ImportDir, "big.bin");
        try
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            await client.CreateTableAsync("taken", 4);
            await using (var file = File.Create(big)) file.SetLength(40L << 20);
            for (var attempt = 0; attempt < 60; attempt++)
            {
                var e = await Assert.ThrowsAsync<RpcException>(() => client.UploadFileAsync("taken", big));
                Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
                Assert.Contains("'taken' already exists", e.Status.Detail);
            }
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task KilledDuringPushes_EveryDurableAcknowledgedPushSurvives()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            long[] ids;
            float[] start;
            var acknowledged = 0;
            using (var client = new EmbeddingStoreClient(server.Address))
            {
                await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
                await client.CreateTableAsync("empty", 4);
                await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "empty", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
                ids = await client.ResolveAsync("v", ["@user", "<num>"]);
                start = (await client.PullAsync("v", ids)).Vectors;
                // Pushers run flat out; the process is killed under them after a while.
                using var stop = new CancellationTokenSource();
                var pushers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            await client.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1, 1, 1, 1, 1 }, durability: Durability.Sync);
                            Interlocked.Increment(ref acknowledged);
                        }
                        catch (RpcException) { return; }
                    }
                })).ToArray();
                await Task.Delay(1500);
                await server.KillAsync();
                stop.Cancel();
                await Task.WhenAll(pushers);
            }
            Assert.True(acknowledged > 0, "no push was acknowledged before the kill");

            await using var restarted = await ServerProcess.StartAsync(server.DataDir, server.ImportDir);
            using var again = new EmbeddingStoreClient(restarted.Address);
            await again.WaitForServingAsync(TimeSpan.FromSeconds(30));
            var after = (await again.PullAsync("v", ids)).Vectors;
            var applied = after[0] - start[0];
            // Every acknowledged push is there; a push in flight at the kill may be too.
            Assert.InRange(applied, acknowledged - 0.01f, acknowledged + 4.01f);
            for (var i = 0; i < after.Length; i++) Assert.Equal(start[i] + applied, after[i], 1e-2f);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task SigTerm_GracefulStop_ExitsZeroAndKeepsData()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using (var client = new EmbeddingStoreClient(server.Address))
            {
                await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
                await client.CreateTableAsync("t", 8);
            }
            await server.StopAsync();
            Assert.Equal(0, server.ExitCode);
            await using var restarted = await ServerProcess.StartAsync(server.DataDir, server.ImportDir);
            using var again = new EmbeddingStoreClient(restarted.Address);
            await again.WaitForServingAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(8, (await again.DescribeTableAsync("t")).Dim);
        }
        finally { server.DeleteData(); }
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports in order and complete.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
