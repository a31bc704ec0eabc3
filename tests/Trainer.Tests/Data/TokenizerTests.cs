using Trainer.Data;

namespace Trainer.Tests.Data;

public class TokenizerTests
{
    [Theory]
    [InlineData("Don't stop!", "do n't stop !")]
    [InlineData("it's the film's (best) part, isn't it?", "it 's the film 's \\( best \\) part , is n't it \\?")]
    [InlineData("we've we're we'd we'll", "we 've we 're we 'd we 'll")]
    [InlineData("  a  --  b\u0085c ", "a b c")]
    [InlineData("Ã©lan `quoted`", "lan `quoted`")]
    public void CleanStr_KimExamples_MatchPythonOutput(string input, string expected) =>
        Assert.Equal(expected, string.Join(' ', Tokenizer.CleanStr(input)));

    [Fact]
    public void CleanStr_TrecVariant_KeepsCase() =>
        Assert.Equal(["What", "is", "DNA", "\\?"], Tokenizer.CleanStr("What is DNA?", lowercase: false));

    [Fact]
    public void CleanStr_OnlyPunctuationRemoved_Empty() => Assert.Empty(Tokenizer.CleanStr(" -- ; "));

    [Fact]
    public void LoadMr_RealFiles_MatchKimsFigures()
    {
        var examples = DatasetLoader.LoadMr(SharedData.Path("sentences/rt-polarity.pos"), SharedData.Path("sentences/rt-polarity.neg"));
        Assert.Equal(10662, examples.Count);
        Assert.Equal(5331, examples.Count(e => e.Label == 1));
        Assert.Equal(18765, examples.SelectMany(e => e.Tokens).Distinct().Count());
        Assert.Equal(56, examples.Max(e => e.Tokens.Length));
    }
}
