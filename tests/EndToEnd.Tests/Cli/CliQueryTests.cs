using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Cli;

/// <summary>neighbours, pull, sentence-vectors and the hygiene options of view create, through the real CLI and store.</summary>
public class CliQueryTests
{
    [Fact]
    public async Task NeighboursPullSentenceVectors_RealGlove_Work()
    {
        await using var server = await ServerProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("cli-query-").FullName;
        try
        {
            var glove = RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin");
            Assert.Equal(0, (await CliRunner.EmbstoreAsync(server.Address, "import", glove, "--table", "glove")).ExitCode);
            Assert.Equal(0, (await CliRunner.EmbstoreAsync(server.Address, "view", "create", "s", "--table", "glove", "--mode", "static")).ExitCode);

            var neighbours = await CliRunner.EmbstoreAsync(server.Address, "neighbours", "--view", "s", "--token", "good", "-k", "5");
            Assert.True(neighbours.ExitCode == 0, neighbours.StdOut + neighbours.StdErr);
            var lines = neighbours.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(6, lines.Length);
            Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "better", ..]);

            var pull = await CliRunner.EmbstoreAsync(server.Address, "pull", "--sources", "s,glove", "good", "zzqqxx", "--zeros");
            Assert.True(pull.ExitCode == 0, pull.StdOut + pull.StdErr);
            Assert.Contains(pull.StdOut.Split('\n'), l => l.StartsWith("zzqqxx") && l.Contains("missing") && l.Contains("200"));

            var sentences = Path.Combine(work, "sentences.txt");
            await File.WriteAllLinesAsync(sentences, ["a good movie", "zzqqxx"]);
            var tsv = Path.Combine(work, "vectors.tsv");
            var vectors = await CliRunner.EmbstoreAsync(server.Address, "sentence-vectors", "--view", "s", "--file", sentences, "--sif", "--out", tsv);
            Assert.True(vectors.ExitCode == 0, vectors.StdOut + vectors.StdErr);
            var rows = File.ReadAllLines(tsv).Select(l => l.Split('\t')).ToList();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.Equal(100, r.Length));
            Assert.All(rows[1], v => Assert.Equal("0", v));
            Assert.Contains("1 sentence(s) without a known token", vectors.StdErr);

            var usage = await CliRunner.EmbstoreAsync(server.Address, "neighbours", "--view", "s");
            Assert.Equal(2, usage.ExitCode);
        }
        finally
        {
            Directory.Delete(work, true);
            server.DeleteData();
        }
    }

    [Fact]
    public async Task ViewCreate_MinCountAndEvictAfter_ShownInDescribe()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            Assert.Equal(0, (await CliRunner.EmbstoreAsync(server.Address, "table", "create", "t", "--dim", "4")).ExitCode);
            var create = await CliRunner.EmbstoreAsync(server.Address, "view", "create", "v", "--table", "t", "--unknown", "create",
                "--min-count", "2", "--evict-after", "10m");
            Assert.True(create.ExitCode == 0, create.StdOut + create.StdErr);
            var fields = create.StdOut.Split('\n').Select(l => l.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1].Trim());
            Assert.Equal("2", fields["min_count"]);
            Assert.Equal("10m", fields["evict_unused_after"]);
            Assert.Equal("0", fields["pending_tokens"]);
            Assert.Equal("0", fields["evicted_rows"]);

            var bad = await CliRunner.EmbstoreAsync(server.Address, "view", "create", "w", "--table", "t", "--evict-after", "soon");
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("not a duration", bad.StdErr + bad.StdOut);
        }
        finally { server.DeleteData(); }
    }
}
