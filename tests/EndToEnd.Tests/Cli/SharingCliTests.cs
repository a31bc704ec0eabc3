using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cli;

/// <summary><c>embstore snapshot create</c> and <c>embstore watch</c> against the real store process.</summary>
public class SharingCliTests
{
    [Fact]
    public async Task SnapshotCreateAndWatch_PrintTheSnapshotAndLiveChanges()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            await client.CreateTableAsync("t", 4);
            await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create, Init = InitKind.Zeros });
            var ids = await client.ResolveAsync("v", ["<num>", "<url>", "word"]);

            var snapshot = await CliRunner.EmbstoreAsync(server.Address, "snapshot", "create", "--view", "v", "--name", "v-snap");
            Assert.True(snapshot.ExitCode == 0, snapshot.StdOut + snapshot.StdErr);
            Assert.Contains(snapshot.StdOut.Split('\n'), l => l.StartsWith("snapshot_of") && l.EndsWith(" v"));

            // Two rows of initial state, then the watcher waits for one live change; pushes repeat until it has seen one.
            var watch = CliRunner.EmbstoreAsync(server.Address, "watch", "--view", "v", "--prefix", "<", "--limit", "3", "--values", "2");
            while (!watch.IsCompleted)
            {
                await client.PushAsync("v", PushKind.Assign, ids[..1], new[] { 1f, 2f, 3f, 4f });
                await Task.WhenAny(watch, Task.Delay(200));
            }
            var result = await watch;
            Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
            var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(lines, l => l.StartsWith("# caught up at version "));
            var rows = lines.Where(l => !l.StartsWith('#')).ToArray();
            Assert.Equal(3, rows.Length);
            Assert.DoesNotContain(rows, l => l.Contains("word"));
            Assert.Contains("<num>  " + ids[0] + "  view  1.0000 2.0000 ...", rows[^1]);
        }
        finally { server.DeleteData(); }
    }
}
