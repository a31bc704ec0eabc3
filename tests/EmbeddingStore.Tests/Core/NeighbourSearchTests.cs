using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

/// <summary>The cached, partitioned search against a plain brute-force cosine over the same rows.</summary>
public class NeighbourSearchTests
{
    private const int Dim = 8;

    private static (string Token, float[] Vector)[] RandomRows(int count)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, count).Select(i => ($"w{i}", Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()))];
    }

    private static List<string> BruteForce(IEnumerable<(string Token, float[] Vector)> rows, float[] query, string? exclude, int k)
    {
        static double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
        return rows.Where(r => r.Token != exclude)
            .Select(r => (r.Token, Cos: r.Vector.Zip(query, (a, b) => (double)a * b).Sum() / (Norm(r.Vector) * Norm(query))))
            .OrderByDescending(r => r.Cos).Take(k).Select(r => r.Token).ToList();
    }

    [Fact]
    public async Task Neighbours_ManyPartitions_SameAsBruteForce()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        var rows = RandomRows(20_000);
        await t.ImportAsync("g", rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Static));
        var result = t.Store.Neighbours("v", new NeighbourQuery("w42", null, K: 25));
        Assert.Equal(BruteForce(rows, rows[42].Vector, "w42", 25), result.Neighbours.Select(n => n.Token).ToList());
        Assert.Equal(rows.Length - 1, result.Candidates);
        Assert.True(result.Neighbours.Zip(result.Neighbours.Skip(1)).All(p => p.First.Similarity >= p.Second.Similarity));
    }

    [Fact]
    public async Task Neighbours_AfterPushesAndNewRows_SeesTheCurrentVectors()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        var rows = RandomRows(500);
        await t.ImportAsync("g", rows);
        t.Store.CreateView(new ViewSpec("ft", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        t.Store.Neighbours("ft", new NeighbourQuery("w1", null)); // builds the cache before the writes below
        var ids = t.Store.Resolve("ft", ["w2", "@new"], UnknownPolicy.Default).Ids;
        var w1 = rows[1].Vector;
        var opposite = w1.Select(x => -x).ToArray();
        await t.Store.PushAsync("ft", PushKind.Assign, ids, (float[])[.. w1, .. opposite], false, false, CancellationToken.None);

        var near = t.Store.Neighbours("ft", new NeighbourQuery("w1", null, K: 3));
        Assert.Equal("w2", near.Neighbours[0].Token);
        Assert.Equal(1f, near.Neighbours[0].Similarity, 1e-5f);
        Assert.Equal(rows.Length, near.Candidates);
        var far = t.Store.Neighbours("ft", new NeighbourQuery(null, opposite, K: 1));
        Assert.Equal("@new", far.Neighbours[0].Token);
        var changed = rows.Select(r => r.Token == "w2" ? (r.Token, w1) : r).Append(("@new", opposite));
        Assert.Equal(BruteForce(changed, w1, "w1", 10), t.Store.Neighbours("ft", new NeighbourQuery("w1", null)).Neighbours.Select(n => n.Token).ToList());
    }

    [Fact]
    public async Task Neighbours_Restrict_OnlyTheFirstRowsAndViewRows()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        var rows = RandomRows(300);
        await t.ImportAsync("g", rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        t.Store.Resolve("v", ["@a", "@b"], UnknownPolicy.Default);
        var result = t.Store.Neighbours("v", new NeighbourQuery("w0", null, K: 1000, Restrict: 50));
        Assert.Equal(49 + 2, result.Candidates);
        Assert.All(result.Neighbours, n => Assert.True(n.Token.StartsWith('@') || int.Parse(n.Token[1..]) < 50, n.Token));
    }
}
