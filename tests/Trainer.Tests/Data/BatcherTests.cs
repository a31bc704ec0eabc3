using Trainer.Data;

namespace Trainer.Tests.Data;

public class BatcherTests
{
    [Fact]
    public void Positions_Mr_Is64() => Assert.Equal(64, Batcher.Positions(56, 5));

    [Fact]
    public void Build_TwoSentences_PaddedFrontAndBack()
    {
        var examples = new[] { new Example(["a", "b"], 1), new Example(["c"], 0) };
        var ids = new Dictionary<string, long> { ["a"] = 10, ["b"] = 11, ["c"] = 12 };
        var batch = Batcher.Build(examples, [0, 1], t => ids[t], positions: 8, filterMax: 3, padId: 0);
        Assert.Equal(new long[] { 0, 0, 10, 11, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0 }, batch.Ids);
        Assert.Equal([1, 0], batch.Labels);
    }

    [Fact]
    public void Build_LongSentence_Truncated()
    {
        var batch = Batcher.Build([new Example(["a", "b", "c", "d"], 0)], [0], _ => 5, positions: 6, filterMax: 2, padId: 0);
        Assert.Equal(new long[] { 0, 5, 5, 5, 5, 0 }, batch.Ids);
    }

    [Fact]
    public void Index_RepeatedAndPadIds_DistinctRowsAndLocalSlots()
    {
        var index = BatchIndex.Of([0, 7, 9, 7, 0, 3], padId: 0);
        Assert.Equal([7L, 9, 3], index.DistinctIds);
        Assert.Equal([-1, 0, 1, 0, -1, 2], index.LocalIndex);
    }

    [Fact]
    public void Order_FillLastBatch_AllBatchesFullAndEveryExampleSeen()
    {
        var examples = Enumerable.Range(0, 120).ToArray();
        var batches = Batcher.Order(examples, 50, new Random(1), fillLastBatch: true);
        Assert.Equal(3, batches.Count);
        Assert.All(batches, b => Assert.Equal(50, b.Length));
        Assert.Equal(120, batches.SelectMany(b => b).Distinct().Count());
    }

    [Fact]
    public void Order_Evaluation_LastBatchShortAndOrderKept()
    {
        var batches = Batcher.Order(Enumerable.Range(0, 7).ToArray(), 3, null, fillLastBatch: false);
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], batches);
    }

    [Fact]
    public void KFold_Ten_DisjointCoverAndRepeatable()
    {
        var folds = Splits.KFold(103, 10, seed: 3);
        Assert.Equal(103, folds.SelectMany(f => f).Distinct().Count());
        Assert.All(folds, f => Assert.InRange(f.Length, 10, 11));
        Assert.Equal(folds[4], Splits.KFold(103, 10, seed: 3)[4]);
    }

    [Fact]
    public void DevSplit_TenPercent_Disjoint()
    {
        var (train, dev) = Splits.DevSplit(Enumerable.Range(100, 50).ToArray(), 0.1, seed: 1);
        Assert.Equal(5, dev.Length);
        Assert.Equal(45, train.Length);
        Assert.Empty(train.Intersect(dev));
    }
}
