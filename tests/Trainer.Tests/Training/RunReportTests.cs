using Trainer.Training;

namespace Trainer.Tests.Training;

public class RunReportTests
{
    private static FoldResult Fold(int fold, double test) => new(fold,
    [
        new EpochStats(1, 0.69, 0.6, 0.55, test - 0.05, 2, 0.1, 500),
        new EpochStats(2, 0.40, 0.8, 0.75, test, 2, 0.2, 520),
        new EpochStats(3, 0.30, 0.9, 0.70, test - 0.01, 2, 0.1, 510),
    ], BestEpoch: 2);

    [Fact]
    public void Summary_TwoFolds_MeanAndSpreadAtBestDevEpoch()
    {
        var report = new RunReport("MR", "non-static", "glove", "cpu", [Fold(0, 0.80), Fold(1, 0.82)]);
        Assert.Equal(0.81, report.MeanTestAccuracy, 1e-9);
        Assert.Equal(Math.Sqrt(0.0002), report.StdTestAccuracy, 1e-9);
        Assert.Equal(0.4 / 6, report.StoreWaitShare, 1e-9);
        Assert.Contains("test accuracy 81.0% (± 1.4 over 2 fold(s))", report.Summary());
    }

    [Fact]
    public void Write_Report_PngMarkdownAndJson()
    {
        var dir = Directory.CreateTempSubdirectory("run-report-").FullName;
        try
        {
            new RunReport("MR", "static", "glove", "cpu", [Fold(0, 0.8)]).Write(dir);
            var png = File.ReadAllBytes(Path.Combine(dir, "curves.png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.Contains("| 0 | 2 | 75.0 | 80.0 |", File.ReadAllText(Path.Combine(dir, "results.md")));
            Assert.Contains("\"BestEpoch\": 2", File.ReadAllText(Path.Combine(dir, "results.json")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
