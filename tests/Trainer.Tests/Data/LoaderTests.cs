using System.Text;
using Trainer.Data;

namespace Trainer.Tests.Data;

public sealed class LoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("trainer-data-").FullName;

    private string Write(string name, string text, Encoding? encoding = null)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, encoding ?? new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public void LoadLabeled_GoodFile_LabelsAndTokens()
    {
        var path = Write("train", "1 a great movie\n0 dull .\n\n");
        var examples = DatasetLoader.LoadLabeled(path, Encoding.UTF8);
        Assert.Equal([1, 0], examples.Select(e => e.Label));
        Assert.Equal(["a", "great", "movie"], examples[0].Tokens);
    }

    [Fact]
    public void LoadLabeled_BadLabel_NamesFileAndLine()
    {
        var path = Write("stsa.binary.train", "1 fine\nx broken\n");
        var e = Assert.Throws<DataFileException>(() => DatasetLoader.LoadLabeled(path, Encoding.UTF8));
        Assert.Equal("stsa.binary.train: line 2: label 'x' is not a non-negative integer", e.Message);
    }

    [Fact]
    public void LoadMr_MissingFile_SaysWhichPath()
    {
        var missing = Path.Combine(_dir, "rt-polarity.pos");
        var e = Assert.Throws<DataFileException>(() => DatasetLoader.LoadMr(missing, missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void LoadMr_Latin1WithNel_SplitsOnNewlineOnly()
    {
        var latin1 = Encoding.Latin1;
        var pos = Write("pos", "good\u0085 film\nnice\n", latin1);
        var neg = Write("neg", "bad\n", latin1);
        var examples = DatasetLoader.LoadMr(pos, neg);
        Assert.Equal(3, examples.Count);
        Assert.Equal(["good", "film"], examples[0].Tokens);
    }

    [Fact]
    public void LoadTsv_HeaderAndRows_HeaderSkipped()
    {
        var path = Write("d.tsv", "label\ttext\n2\tWhat now?\n0\tok\n");
        var examples = DatasetLoader.LoadTsv(path);
        Assert.Equal([2, 0], examples.Select(e => e.Label));
    }

    [Fact]
    public void LoadTsv_LineWithoutTab_NamesLine()
    {
        var path = Write("d.tsv", "1\tok\nno tab here\n");
        Assert.Equal("d.tsv: line 2: expected 'label<TAB>sentence'", Assert.Throws<DataFileException>(() => DatasetLoader.LoadTsv(path)).Message);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
