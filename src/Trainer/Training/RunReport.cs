using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Trainer.Training;

/// <summary>The results of a run over all its folds, written as JSON, a markdown table and a training-curve picture.</summary>
public sealed record RunReport(string Dataset, string Variant, string Table, string Device, IReadOnlyList<FoldResult> Folds)
{
    public double MeanTestAccuracy => Folds.Average(f => f.TestAccuracy);

    public double StdTestAccuracy
    {
        get
        {
            var mean = MeanTestAccuracy;
            return Folds.Count < 2 ? 0 : Math.Sqrt(Folds.Sum(f => (f.TestAccuracy - mean) * (f.TestAccuracy - mean)) / (Folds.Count - 1));
        }
    }

    public double ExamplesPerSecond => Folds.SelectMany(f => f.Epochs).Average(e => e.ExamplesPerSecond);

    /// <summary>Share of epoch time the trainer waited on the row source (the store's overhead).</summary>
    public double StoreWaitShare => Folds.SelectMany(f => f.Epochs).Sum(e => e.StoreWaitSeconds) / Folds.SelectMany(f => f.Epochs).Sum(e => e.Seconds);

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Dataset} {Variant}: test accuracy {100 * MeanTestAccuracy:F1}% (± {100 * StdTestAccuracy:F1} over {Folds.Count} fold(s)), " +
        $"{ExamplesPerSecond:F0} examples/s, {100 * StoreWaitShare:F1}% of epoch time waiting on the store");

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(directory, "results.md"), Markdown());
        TrainingCurves.Save(this, Path.Combine(directory, "curves.png"));
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# {Dataset}, CNN-{Variant}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Vectors: `{Table}`; device: {Device}.");
        md.AppendLine();
        md.AppendLine(Summary());
        md.AppendLine();
        md.AppendLine("| fold | best epoch | dev acc % | test acc % | examples/s | store wait % |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var f in Folds)
        {
            var e = f.Epochs;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Fold} | {f.BestEpoch} | {100 * f.DevAccuracy:F1} | {100 * f.TestAccuracy:F1} | {e.Average(x => x.ExamplesPerSecond):F0} | {100 * e.Sum(x => x.StoreWaitSeconds) / e.Sum(x => x.Seconds):F1} |");
        }
        return md.ToString();
    }
}
