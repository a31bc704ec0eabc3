using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cli;

/// <summary>The embstore command line against the real store process, as a person would use it.</summary>
public class CliAgainstStoreTests
{
    [Fact]
    public async Task ImportViewShowExport_RealGlove_Works()
    {
        await using var server = await ServerProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("cli-e2e-").FullName;
        try
        {
            var glove = RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin");
            var import = await CliRunner.EmbstoreAsync(server.Address, "import", glove, "--table", "glove");
            Assert.True(import.ExitCode == 0, import.StdOut + import.StdErr);
            Assert.Contains("22120", import.StdOut);

            var tables = await CliRunner.EmbstoreAsync(server.Address, "tables");
            Assert.Contains("glove", tables.StdOut);

            var create = await CliRunner.EmbstoreAsync(server.Address, "view", "create", "m", "--table", "glove", "--mode", "overlay", "--unknown", "create");
            Assert.True(create.ExitCode == 0, create.StdOut + create.StdErr);

            var show = await CliRunner.EmbstoreAsync(server.Address, "show", "m", "good", "@user", "--values", "3");
            Assert.True(show.ExitCode == 0, show.StdOut + show.StdErr);
            var lines = show.StdOut.Split('\n');
            Assert.Contains(lines, l => l.Contains("good") && l.Contains("base"));
            Assert.Contains(lines, l => l.Contains("@user") && l.Contains("view"));

            var exported = Path.Combine(work, "m.txt");
            var export = await CliRunner.EmbstoreAsync(server.Address, "export", "m", "--out", exported, "--text");
            Assert.True(export.ExitCode == 0, export.StdOut + export.StdErr);
            Assert.Equal("22121 100", File.ReadLines(exported).First());

            var refused = await CliRunner.EmbstoreAsync(server.Address, "table", "delete", "glove");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("error: FailedPrecondition", refused.StdErr);
            Assert.DoesNotContain("   at ", refused.StdErr);
        }
        finally
        {
            Directory.Delete(work, true);
            server.DeleteData();
        }
    }

    [Fact]
    public async Task CheckpointCompact_DeletedTablesDiskSpaceFreed_KeptTableReadsAfterRestart()
    {
        var server = await ServerProcess.StartAsync();
        try
        {
            // Seven imports of an 11 MB table fill more than the first 64 MiB segment of the log file; six are deleted.
            var glove = RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin");
            for (var i = 0; i < 7; i++)
            {
                var import = await CliRunner.EmbstoreAsync(server.Address, "import", glove, "--table", $"t{i}");
                Assert.True(import.ExitCode == 0, import.StdOut + import.StdErr);
            }
            for (var i = 0; i < 6; i++)
                Assert.Equal(0, (await CliRunner.EmbstoreAsync(server.Address, "table", "delete", $"t{i}")).ExitCode);
            var logDir = Path.Combine(server.DataDir, "log");
            Assert.True(File.Exists(Path.Combine(logDir, "hlog.log.0")));
            var create = await CliRunner.EmbstoreAsync(server.Address, "view", "create", "v", "--table", "t6");
            Assert.True(create.ExitCode == 0, create.StdOut + create.StdErr);
            var before = await CliRunner.EmbstoreAsync(server.Address, "show", "v", "good", "--values", "3");

            var compact = await CliRunner.EmbstoreAsync(server.Address, "checkpoint", "--compact");

            Assert.True(compact.ExitCode == 0, compact.StdOut + compact.StdErr);
            Assert.Contains("checkpoint", compact.StdOut);
            Assert.Contains(server.Output, line => line.Contains("Compacted the log", StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(logDir, "hlog.log.0")), "the first segment, all deleted tables, is still on disk");
            Assert.Equal(before.StdOut, (await CliRunner.EmbstoreAsync(server.Address, "show", "v", "good", "--values", "3")).StdOut);

            await server.StopAsync();
            var stopped = server;
            server = await ServerProcess.StartAsync(stopped.DataDir);
            await stopped.DisposeAsync();
            using (var client = new EmbeddingStore.Client.EmbeddingStoreClient(server.Address))
                await client.WaitForServingAsync(TimeSpan.FromSeconds(60)); // it listens while it recovers
            var after = await CliRunner.EmbstoreAsync(server.Address, "show", "v", "good", "--values", "3");
            Assert.True(before.StdOut == after.StdOut, $"after a restart: {after.StdOut}{after.StdErr}\nserver:\n{string.Join('\n', server.Output.TakeLast(30))}");
            Assert.DoesNotContain("t0", (await CliRunner.EmbstoreAsync(server.Address, "tables")).StdOut);
        }
        finally
        {
            server.DeleteData();
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Serve_StartsTheStore_CliTalksToIt()
    {
        await using var server = await ServerProcess.StartWithCliAsync();
        try
        {
            var create = await CliRunner.EmbstoreAsync(server.Address, "table", "create", "t", "--dim", "4");
            Assert.True(create.ExitCode == 0, create.StdOut + create.StdErr);
            Assert.Contains("t", (await CliRunner.EmbstoreAsync(server.Address, "tables")).StdOut);
            // SIGTERM to embstore alone reaches the server it started, which checkpoints and exits; embstore returns its code.
            await server.StopAsync();
            Assert.True(server.ExitCode == 0, string.Join('\n', server.Output.TakeLast(20)));
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task Serve_WithAMissingServerProgram_SaysSo()
    {
        var result = await CliRunner.RunAsync("Cli", "embstore", ["serve", "--port", "1"],
            environment: new Dictionary<string, string> { ["EMBSTORE_SERVER"] = "/nonexistent/EmbeddingStore.dll" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("$EMBSTORE_SERVER names /nonexistent/EmbeddingStore.dll", result.StdErr);
    }
}
