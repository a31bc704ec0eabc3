using Trainer.Data;

namespace Trainer.Tests.Data;

public class SplitsTests
{
    [Fact]
    public void KFold_Ten_DisjointCoverAndRepeatable()
    {
        var folds = Splits.KFold(103, 10, seed: 3);
        Assert.Equal(103, folds.SelectMany(f => f).Distinct().Count());
        Assert.All(folds, f => Assert.InRange(f.Length, 10, 11));
        Assert.Equal(folds[4], Splits.KFold(103, 10, seed: 3)[4]);
    }

    [Fact]
    public void KFold_OtherSeed_OtherFolds() =>
        Assert.NotEqual(Splits.KFold(100, 10, seed: 1)[0], Splits.KFold(100, 10, seed: 2)[0]);

    [Fact]
    public void KFold_MoreFoldsThanExamples_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.KFold(3, 4, seed: 1));

    [Fact]
    public void DevSplit_TenPercent_DisjointAndCovering()
    {
        var indices = Enumerable.Range(100, 50).ToArray();
        var (train, dev) = Splits.DevSplit(indices, 0.1, seed: 1);
        Assert.Equal(5, dev.Length);
        Assert.Equal(45, train.Length);
        Assert.Empty(train.Intersect(dev));
        Assert.Equal(indices, train.Concat(dev).Order());
        Assert.Equal(dev, Splits.DevSplit(indices, 0.1, seed: 1).Dev);
    }

    [Fact]
    public void DevSplit_WholeSetAsDev_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.DevSplit([1, 2, 3], 1.0, seed: 1));
}
