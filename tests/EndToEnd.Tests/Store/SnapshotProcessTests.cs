using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Store;

/// <summary>Snapshots against the real store process: a consistent cut under training, restarts, views started from one.</summary>
public class SnapshotProcessTests
{
    [Fact]
    public async Task SnapshotDuringTraining_ConsistentCut_SurvivesRestart_NewViewStartsFromIt()
    {
        const int Dim = 16;
        await using var server = await ServerProcess.StartAsync();
        try
        {
            var tokens = Enumerable.Range(0, 1000).Select(i => $"<s{i}>").ToArray();
            float[] pinned;
            ViewInfo info;
            using (var client = new EmbeddingStoreClient(server.Address))
            {
                await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
                await client.CreateTableAsync("t", Dim);
                await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create, Init = InitKind.Zeros });
                var ids = await client.ResolveAsync("v", tokens);

                // Each push adds 1 to every row, so any cut between pushes has all rows equal; a torn copy would not.
                using var stop = new CancellationTokenSource();
                var pushes = 0;
                var training = Task.Run(async () =>
                {
                    using var trainer = new EmbeddingStoreClient(server.Address);
                    var ones = Enumerable.Repeat(1f, ids.Length * Dim).ToArray();
                    while (!stop.IsCancellationRequested || pushes < 20)
                    {
                        await trainer.PushAsync("v", PushKind.Delta, ids, ones);
                        pushes++;
                    }
                });
                while (Volatile.Read(ref pushes) < 10) await Task.Delay(20);
                info = await client.CreateSnapshotAsync("v", "v-snap");
                stop.Cancel();
                await training;

                Assert.Equal("v", info.SnapshotOf);
                Assert.Equal(TrainMode.Static, info.Mode);
                Assert.Equal(tokens.Length, info.OwnRows);
                (pinned, _, var meta) = await client.PullTokensAsync("v-snap", tokens);
                Assert.All(pinned, v => Assert.Equal(pinned[0], v));
                Assert.InRange(pinned[0], 10, pushes - 1);
                Assert.All(meta, m => Assert.InRange(m.Version, 1, info.SnapshotVersion));
                var (current, _, _) = await client.PullTokensAsync("v", tokens);
                Assert.All(current, v => Assert.Equal(pushes, v));
            }

            await server.StopAsync();
            await using var restarted = await ServerProcess.StartAsync(server.DataDir, server.ImportDir);
            using var again = new EmbeddingStoreClient(restarted.Address);
            await again.WaitForServingAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(pinned, (await again.PullTokensAsync("v-snap", tokens)).Vectors);
            Assert.Equal(info.SnapshotVersion, (await again.DescribeViewAsync("v-snap")).SnapshotVersion);

            await again.CreateViewAsync(new CreateViewRequest { Name = "rollback", View = "v-snap", Mode = TrainMode.FineTune, UnknownPolicy = UnknownPolicy.Fail });
            var (rolledBack, _, rollbackMeta) = await again.PullTokensAsync("rollback", tokens);
            Assert.Equal(pinned, rolledBack);
            Assert.All(rollbackMeta, m => Assert.True(m.Trainable));
        }
        finally { server.DeleteData(); }
    }
}
