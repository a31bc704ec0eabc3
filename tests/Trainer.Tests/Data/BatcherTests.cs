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
    public void Order_FillLastBatch_RepeatsAreDistinctExamples()
    {
        var batches = Batcher.Order(Enumerable.Range(0, 120).ToArray(), 50, new Random(2), fillLastBatch: true);
        var seen = batches.SelectMany(b => b).CountBy(e => e).ToList();
        Assert.Equal(30, seen.Count(p => p.Value == 2));
        Assert.All(seen, p => Assert.InRange(p.Value, 1, 2));
    }

    [Fact]
    public void Order_FewerExamplesThanABatch_CycledEvenly()
    {
        var batches = Batcher.Order([4, 5, 6], 10, new Random(3), fillLastBatch: true);
        var batch = Assert.Single(batches);
        Assert.Equal(10, batch.Length);
        Assert.All(batch.CountBy(e => e), p => Assert.InRange(p.Value, 3, 4));
    }

    [Fact]
    public void Order_SameSeed_SameBatches() =>
        Assert.Equal(Batcher.Order(Enumerable.Range(0, 77).ToArray(), 50, new Random(9), true),
            Batcher.Order(Enumerable.Range(0, 77).ToArray(), 50, new Random(9), true));

    [Fact]
    public void Build_RealMrLongestSentence_FillsPositionsFourToSixty()
    {
        var examples = new[] { new Example([.. Enumerable.Range(0, 56).Select(i => $"w{i}")], 1) };
        var batch = Batcher.Build(examples, [0], t => long.Parse(t[1..]) + 100, Batcher.Positions(56, 5), filterMax: 5, padId: -1);
        Assert.Equal(64, batch.Ids.Length);
        Assert.All(batch.Ids[..4], id => Assert.Equal(-1, id));
        Assert.Equal(Enumerable.Range(100, 56).Select(i => (long)i), batch.Ids[4..60]);
        Assert.All(batch.Ids[60..], id => Assert.Equal(-1, id));
    }
}
