using System.Diagnostics;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Store;

/// <summary>Checkpoints taken while pushes keep the store's log growing past its memory, through the real server process.</summary>
public class CheckpointUnderLoadTests
{
    [Fact]
    public async Task CheckpointsWhileConcurrentPushesOutgrowTheLogsMemory_ServerStaysUpAndKeepsEveryRow()
    {
        const int Dim = 300, Rows = 40_000, Batch = 1_000, Pushers = 4;
        // 40,000 trainable 300-d rows with Adadelta state are about 145 MB of records, more than the test server's
        // 64 MB of log memory: pushes keep copying rows to the tail and evicting pages while the checkpoints run.
        await using var server = await ServerProcess.StartAsync(null, null, null, "--checkpoint-interval", "1");
        try
        {
            using var admin = new EmbeddingStoreClient(server.Address);
            await admin.WaitForServingAsync(TimeSpan.FromSeconds(30));
            await admin.CreateTableAsync("t", Dim);
            await admin.CreateViewAsync(new CreateViewRequest
            {
                Name = "v",
                Table = "t",
                Mode = TrainMode.Overlay,
                UnknownPolicy = UnknownPolicy.Create,
                Init = InitKind.Uniform,
                Optimizer = new OptimizerConfig { Kind = OptimizerKind.Adadelta, Rho = 0.95f, Epsilon = 1e-6f, LearningRate = 1 },
            });
            var ids = new List<long>();
            for (var start = 0; start < Rows; start += Batch)
                ids.AddRange(await admin.ResolveAsync("v", Enumerable.Range(start, Batch).Select(i => $"w{i}").ToArray()));

            var clock = Stopwatch.StartNew();
            var duration = TimeSpan.FromSeconds(12);
            long pushes = 0, checkpoints = 0;
            var pushers = Enumerable.Range(0, Pushers).Select(p => Task.Run(async () =>
            {
                using var client = new EmbeddingStoreClient(server.Address);
                var random = new Random(p);
                var gradient = Enumerable.Range(0, Batch * Dim).Select(i => (float)Math.Sin(i + p) * 1e-2f).ToArray();
                while (clock.Elapsed < duration)
                {
                    var batch = Enumerable.Range(0, Batch).Select(_ => ids[random.Next(ids.Count)]).Distinct().ToArray();
                    await client.PushAsync("v", PushKind.Gradient, batch, gradient.AsMemory(0, batch.Length * Dim));
                    Interlocked.Increment(ref pushes);
                }
            })).ToList();
            var checkpointer = Task.Run(async () =>
            {
                while (clock.Elapsed < duration)
                {
                    await admin.CheckpointAsync();
                    Interlocked.Increment(ref checkpoints);
                }
            });
            try { await Task.WhenAll([.. pushers, checkpointer]); }
            catch (Grpc.Core.RpcException e)
            {
                Assert.Fail($"a call failed ({e.Status}); the server's last output:\n{string.Join('\n', server.Output.TakeLast(40))}");
            }

            Assert.Null(server.ExitCode);
            Assert.True(checkpoints >= 3, $"only {checkpoints} checkpoints ran during the pushes");
            foreach (var chunk in ids.Chunk(Batch))
            {
                var (vectors, _, _) = await admin.PullAsync("v", chunk);
                Assert.All(vectors, v => Assert.True(float.IsFinite(v)));
            }
        }
        finally { server.DeleteData(); }
    }
}
