using Trainer.Data;

namespace Trainer.Tests.Data;

public class VocabularyTests
{
    private static readonly Example[] Sentences =
    [
        new(["the", "film", "is", "good"], 1),
        new(["the", "plot", "is", "thin", "but", "the", "cast", "is", "good"], 0),
        new([], 0),
    ];

    [Fact]
    public void Of_Sentences_IndicesInFirstAppearanceOrder()
    {
        var vocabulary = Vocabulary.Of(Sentences);
        Assert.Equal(["the", "film", "is", "good", "plot", "thin", "but", "cast"], vocabulary.Tokens);
        Assert.True(vocabulary.TryGetIndex("plot", out var plot));
        Assert.Equal(4, plot);
        Assert.False(vocabulary.TryGetIndex("The", out _));
    }

    [Fact]
    public void Of_Sentences_CountsAndMaxLength()
    {
        var vocabulary = Vocabulary.Of(Sentences);
        Assert.Equal([3, 1, 3, 2, 1, 1, 1, 1], vocabulary.Counts);
        Assert.Equal(9, vocabulary.MaxLength);
        Assert.Equal(8, vocabulary.Count);
    }

    [Fact]
    public void Of_RealMr_MatchesKimsFigures()
    {
        var vocabulary = Vocabulary.Of(DatasetLoader.LoadMr(SharedData.Path("sentences/rt-polarity.pos"), SharedData.Path("sentences/rt-polarity.neg")));
        Assert.Equal(18765, vocabulary.Count);
        Assert.Equal(56, vocabulary.MaxLength);
    }
}
