using System.Text;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Trainer;

/// <summary>The trainer and the store as separate processes, as a user runs them.</summary>
public class TrainerProcessTests
{
    /// <summary>A TSV dataset whose label is given by one cue word among noise: learnable in a few epochs.</summary>
    private static string CueWordTsv(string dir)
    {
        var random = new Random(11);
        var text = new StringBuilder("label\tsentence\n");
        for (var i = 0; i < 300; i++)
        {
            var label = i % 2;
            var words = Enumerable.Range(0, random.Next(3, 8)).Select(_ => $"w{random.Next(40)}").ToList();
            words.Insert(random.Next(words.Count + 1), label == 1 ? "splendid" : "awful");
            text.Append(label).Append('\t').AppendJoin(' ', words).Append('\n');
        }
        var path = Path.Combine(dir, "cue.tsv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public async Task TrainThenPredict_RandVariantThroughStore_LearnsAndClassifies()
    {
        await using var server = await ServerProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("trainer-e2e-").FullName;
        try
        {
            var model = Path.Combine(work, "model");
            var train = await CliRunner.RunAsync("Trainer", "Trainer",
            [
                "train", "--address", server.Address, "--dataset", CueWordTsv(work), "--variant", "rand", "--rand-dim", "16",
                "--feature-maps", "8", "--windows", "2,3", "--epochs", "4", "--batch-size", "20", "--folds", "5", "--max-folds", "1",
                "--device", "cpu", "--out", model,
            ], TimeSpan.FromMinutes(3));
            Assert.True(train.ExitCode == 0, train.StdOut + train.StdErr);
            Assert.Contains("fold 1/1 epoch 4/4", train.StdOut);
            var results = File.ReadAllText(Path.Combine(model, "results.md"));
            Assert.Contains("| fold | best epoch |", results);
            Assert.True(File.Exists(Path.Combine(model, "curves.png")));

            var predict = await CliRunner.RunAsync("Trainer", "Trainer",
                ["predict", "--model", model, "--device", "cpu", "w1 w2 splendid w3", "w4 awful w5", "neverseen words"]);
            Assert.True(predict.ExitCode == 0, predict.StdOut + predict.StdErr);
            var lines = predict.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("class 1", lines[0]);
            Assert.StartsWith("class 0", lines[1]);
        }
        finally
        {
            Directory.Delete(work, true);
            server.DeleteData();
        }
    }

    [Fact]
    public async Task TwoTrainers_SameStoreAtOnce_BothFinishInTheirOwnViews()
    {
        await using var server = await ServerProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("trainer-pair-").FullName;
        try
        {
            var data = CueWordTsv(work);
            Task<ExternalProgram.Result> Train(string name) => CliRunner.RunAsync("Trainer", "Trainer",
            [
                "train", "--address", server.Address, "--dataset", data, "--variant", "rand", "--rand-dim", "16", "--feature-maps", "8",
                "--windows", "2,3", "--epochs", "3", "--batch-size", "20", "--folds", "5", "--max-folds", "1", "--device", "cpu",
                "--name", name, "--out", Path.Combine(work, name),
            ], TimeSpan.FromMinutes(3));
            var results = await Task.WhenAll(Train("alpha"), Train("beta"));
            Assert.All(results, r => Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr));
            var views = await CliRunner.EmbstoreAsync(server.Address, "views");
            Assert.Contains("alpha-f1", views.StdOut);
            Assert.Contains("beta-f1", views.StdOut);
        }
        finally
        {
            Directory.Delete(work, true);
            server.DeleteData();
        }
    }

    [Fact]
    public async Task Train_MultichannelWithAndWithoutRowCache_SameModelAndFrozenRowsPulledOnce()
    {
        await using var server = await ServerProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("trainer-cache-").FullName;
        try
        {
            // Real words, so the static channel reads pretrained rows; two made-up ones become the static view's own rows.
            var random = new Random(5);
            string[] noise = ["the", "a", "film", "movie", "story", "was", "is", "and", "of", "plot", "actors", "zqxwv", "vbnmq"];
            var text = new StringBuilder("label\tsentence\n");
            for (var i = 0; i < 200; i++)
            {
                var words = Enumerable.Range(0, random.Next(3, 8)).Select(_ => noise[random.Next(noise.Length)]).ToList();
                words.Insert(random.Next(words.Count + 1), i % 2 == 1 ? "splendid" : "awful");
                text.Append(i % 2).Append('\t').AppendJoin(' ', words).Append('\n');
            }
            var data = Path.Combine(work, "cue.tsv");
            File.WriteAllText(data, text.ToString());
            var glove = RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin");
            Assert.Equal(0, (await CliRunner.EmbstoreAsync(server.Address, "import", glove, "--table", "glove")).ExitCode);
            Task<ExternalProgram.Result> Train(string name, params string[] extra) => CliRunner.RunAsync("Trainer", "Trainer",
            [
                "train", "--address", server.Address, "--table", "glove", "--dataset", data, "--variant", "multichannel", "--feature-maps", "8",
                "--windows", "2,3", "--epochs", "3", "--batch-size", "20", "--folds", "5", "--max-folds", "1", "--device", "cpu",
                "--name", name, "--out", Path.Combine(work, name), .. extra,
            ], TimeSpan.FromMinutes(3));

            var cached = await Train("cached");
            var uncached = await Train("uncached", "--no-row-cache");

            Assert.True(cached.ExitCode == 0, cached.StdOut + cached.StdErr);
            Assert.True(uncached.ExitCode == 0, uncached.StdOut + uncached.StdErr);
            // Each epoch's loss and accuracies (the line up to its speed) are the same, and so are the trained rows.
            static string[] Epochs(string output) => [.. output.Split('\n').Where(l => l.StartsWith("fold 1/1 epoch")).Select(l => l[..l.IndexOf(" examples/s")])];
            Assert.Equal(3, Epochs(cached.StdOut).Length);
            Assert.Equal(Epochs(uncached.StdOut).Select(l => l[..l.LastIndexOf(',')]), Epochs(cached.StdOut).Select(l => l[..l.LastIndexOf(',')]));
            foreach (var name in (string[])["cached", "uncached"])
                Assert.Equal(0, (await CliRunner.EmbstoreAsync(server.Address, "export", $"{name}-f1", "--out", Path.Combine(work, name + ".txt"), "--text")).ExitCode);
            Assert.Equal(File.ReadAllText(Path.Combine(work, "uncached.txt")), File.ReadAllText(Path.Combine(work, "cached.txt")));
            // The static channel's rows were pulled once each; the fine-tune channel's every time.
            var line = cached.StdOut.Split('\n').Single(l => l.Contains("immutable rows read from the trainer's cache"));
            var hits = long.Parse(line.Split(' ')[2], System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(hits > 0, line);
            Assert.DoesNotContain("trainer's cache", uncached.StdOut);
        }
        finally
        {
            Directory.Delete(work, true);
            server.DeleteData();
        }
    }

    [Fact]
    public async Task Train_InProcessRows_NoStoreNeededAndReportSaysSo()
    {
        var work = Directory.CreateTempSubdirectory("trainer-inproc-").FullName;
        try
        {
            var output = Path.Combine(work, "out");
            var train = await CliRunner.RunAsync("Trainer", "Trainer",
            [
                "train", "--address", "http://127.0.0.1:1", "--in-process", "--dataset", CueWordTsv(work), "--variant", "rand",
                "--rand-dim", "16", "--feature-maps", "8", "--windows", "2,3", "--epochs", "2", "--batch-size", "20",
                "--folds", "5", "--max-folds", "1", "--device", "cpu", "--out", output,
            ], TimeSpan.FromMinutes(3));
            Assert.True(train.ExitCode == 0, train.StdOut + train.StdErr);
            Assert.Contains("in-process rows", train.StdOut);
            Assert.Contains("in-process random", File.ReadAllText(Path.Combine(output, "results.md")));
        }
        finally { Directory.Delete(work, true); }
    }

    [Fact]
    public async Task Train_CallTimeoutExceeded_ClearErrorAndExitCodeOne()
    {
        // A deadline already past when the first call to the store starts: the call fails at once, as a stuck one would in time.
        await using var server = await ServerProcess.StartAsync();
        var work = Directory.CreateTempSubdirectory("trainer-deadline-").FullName;
        try
        {
            var train = await CliRunner.RunAsync("Trainer", "Trainer",
            [
                "train", "--address", server.Address, "--dataset", CueWordTsv(work), "--variant", "rand", "--epochs", "1",
                "--device", "cpu", "--call-timeout", "0.000001", "--out", Path.Combine(work, "out"),
            ], TimeSpan.FromMinutes(2));
            Assert.True(train.ExitCode == 1, train.StdOut + train.StdErr);
            Assert.Contains("error: DeadlineExceeded", train.StdErr);
            Assert.Contains("--call-timeout", train.StdErr);
        }
        finally
        {
            Directory.Delete(work, true);
            server.DeleteData();
        }
    }

    [Fact]
    public async Task Train_MissingDataFile_ClearErrorAndExitCodeOne()
    {
        var result = await CliRunner.RunAsync("Trainer", "Trainer",
            ["train", "--address", "http://127.0.0.1:1", "--dataset", "mr", "--data-dir", "/nonexistent/sentences"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("/nonexistent/sentences/rt-polarity.pos is missing", result.StdErr);
    }
}
