using System.Text;

namespace Trainer.Data;

/// <summary>The datasets of Kim (2014), Table 1, as laid out in shared/data/sentences.</summary>
public static class DatasetCatalog
{
    public static readonly string[] Names = ["mr", "sst2", "trec"];

    public static Dataset Load(string name, string sentencesDir) => name.ToLowerInvariant() switch
    {
        "mr" => new Dataset("MR", 2,
            DatasetLoader.LoadMr(Path.Combine(sentencesDir, "rt-polarity.pos"), Path.Combine(sentencesDir, "rt-polarity.neg")), null, null),
        "sst2" => new Dataset("SST-2", 2,
            DatasetLoader.LoadLabeled(Path.Combine(sentencesDir, "stsa.binary.train"), Encoding.UTF8),
            DatasetLoader.LoadLabeled(Path.Combine(sentencesDir, "stsa.binary.dev"), Encoding.UTF8),
            DatasetLoader.LoadLabeled(Path.Combine(sentencesDir, "stsa.binary.test"), Encoding.UTF8)),
        "trec" => new Dataset("TREC", 6,
            DatasetLoader.LoadLabeled(Path.Combine(sentencesDir, "TREC.train.all"), DatasetLoader.Latin1, lowercase: false),
            null,
            DatasetLoader.LoadLabeled(Path.Combine(sentencesDir, "TREC.test.all"), DatasetLoader.Latin1, lowercase: false)),
        _ => throw new DataFileException($"unknown dataset '{name}': choose one of {string.Join(", ", Names)}, or give a TSV file"),
    };

    /// <summary>A TSV file of "label TAB sentence" as a dataset without splits (cross-validated).</summary>
    public static Dataset LoadTsv(string path)
    {
        var examples = DatasetLoader.LoadTsv(path);
        return new Dataset(Path.GetFileNameWithoutExtension(path), examples.Max(e => e.Label) + 1, examples, null, null);
    }
}
