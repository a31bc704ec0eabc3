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

    private static (string Token, float[] Vector)[] RandomRows(int count, int dim, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => ($"w{i}", Enumerable.Range(0, dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()))];
    }

    [Fact]
    public async Task Neighbours_ViewsOfOneTable_ShareOneCopyOfItsVectors()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        const int rows = 20_000, dim = 64;
        await t.ImportAsync("g", RandomRows(rows, dim, 3));
        t.Store.CreateView(new ViewSpec("a", "g", null, TrainMode.Static));
        t.Store.CreateView(new ViewSpec("b", "g", null, TrainMode.Static));
        t.Store.CreateView(new ViewSpec("ft", "g", null, TrainMode.FineTune));
        t.Store.Neighbours("a", new NeighbourQuery("w1", null));
        var oneCopy = (long)rows * dim * sizeof(float);
        Assert.InRange(t.Store.NeighbourCacheBytes, oneCopy, 2 * oneCopy);

        // A second view of the table, and a fine-tune view that has copied nothing, reuse the table's vectors.
        // (Counted on this thread, where a cache is built, so that tests running beside this one do not count.)
        var before = GC.GetAllocatedBytesForCurrentThread();
        t.Store.Neighbours("b", new NeighbourQuery("w1", null));
        t.Store.Neighbours("ft", new NeighbourQuery("w1", null));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < oneCopy / 4, $"two more views allocated {allocated:N0} bytes; one copy of the table is {oneCopy:N0}");
        Assert.InRange(t.Store.NeighbourCacheBytes, oneCopy, 2 * oneCopy);
    }

    [Fact]
    public async Task Neighbours_SharedTableVectors_EachViewSeesItsOwnCopiesAndRows()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        var rows = RandomRows(500);
        await t.ImportAsync("g", rows);
        t.Store.CreateView(new ViewSpec("static", "g", null, TrainMode.Static));
        t.Store.CreateView(new ViewSpec("ft", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        t.Store.CreateView(new ViewSpec("child", null, "ft", TrainMode.Overlay, UnknownPolicy.Create));
        foreach (var view in new[] { "static", "ft", "child" }) t.Store.Neighbours(view, new NeighbourQuery("w1", null));

        // ft copies w2 (now equal to w1) and creates @new; child creates @mine; the static view sees none of it.
        var w1 = rows[1].Vector;
        var opposite = w1.Select(x => -x).ToArray();
        var ids = t.Store.Resolve("ft", ["w2", "@new"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("ft", PushKind.Assign, ids, (float[])[.. w1, .. opposite], false, false, CancellationToken.None);
        var mine = t.Store.Resolve("child", ["@mine"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("child", PushKind.Assign, mine, (float[])[.. opposite.Select(x => x + 0.01f)], false, false, CancellationToken.None);

        var changed = rows.Select(r => r.Token == "w2" ? (r.Token, w1) : r).Append(("@new", opposite)).ToList();
        var childRows = changed.Append(("@mine", opposite.Select(x => x + 0.01f).ToArray())).ToList();
        Assert.Equal(BruteForce(rows, w1, "w1", 20), Tokens(t.Store.Neighbours("static", new NeighbourQuery("w1", null, K: 20))));
        Assert.Equal(BruteForce(changed, w1, "w1", 20), Tokens(t.Store.Neighbours("ft", new NeighbourQuery("w1", null, K: 20))));
        Assert.Equal(BruteForce(childRows, w1, "w1", 20), Tokens(t.Store.Neighbours("child", new NeighbourQuery("w1", null, K: 20))));
        Assert.Equal(BruteForce(childRows, opposite, null, 20), Tokens(t.Store.Neighbours("child", new NeighbourQuery(null, opposite, K: 20))));
        Assert.Equal(rows.Length - 1, t.Store.Neighbours("static", new NeighbourQuery("w1", null)).Candidates);
        Assert.Equal(rows.Length, t.Store.Neighbours("ft", new NeighbourQuery("w1", null)).Candidates); // w2 once, as its copy
        Assert.Equal(rows.Length + 1, t.Store.Neighbours("child", new NeighbourQuery("w1", null)).Candidates);

        // A copy of a base row past restrict is left out with it; the view's own rows stay.
        var restricted = t.Store.Neighbours("ft", new NeighbourQuery(null, w1, K: 1000, Restrict: 2));
        Assert.Equal(["@new", "w0", "w1"], restricted.Neighbours.Select(n => n.Token).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Neighbours_EvictedCopy_TheBaseRowReadsAgain()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        var rows = RandomRows(300);
        await t.ImportAsync("g", rows);
        t.Store.CreateView(new ViewSpec("ft", "g", null, TrainMode.FineTune) { EvictUnusedAfterMs = 300 });
        var w1 = rows[1].Vector;
        var w2 = t.Store.Resolve("ft", ["w2"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("ft", PushKind.Assign, w2, w1, false, false, CancellationToken.None);
        var copied = t.Store.Neighbours("ft", new NeighbourQuery("w1", null, K: 1));
        Assert.Equal(("w2", 1f), (copied.Neighbours[0].Token, MathF.Round(copied.Neighbours[0].Similarity, 5)));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (t.Store.DescribeView("ft").CopiedRows > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, t.Store.DescribeView("ft").CopiedRows);
        var result = t.Store.Neighbours("ft", new NeighbourQuery("w1", null, K: 10));
        Assert.Equal(BruteForce(rows, w1, "w1", 10), Tokens(result));
        Assert.Equal(rows.Length - 1, result.Candidates);
    }

    [Fact]
    public async Task Neighbours_TableLargerThanTheBudget_ResourceExhaustedNamingTheFlag()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true, o => o with { NeighbourCacheBytes = 100 << 10 });
        await t.ImportAsync("g", RandomRows(5_000));
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Static));
        var e = Assert.Throws<StoreException>(() => t.Store.Neighbours("v", new NeighbourQuery("w1", null)));
        Assert.Equal(StoreError.ResourceExhausted, e.Error);
        Assert.Contains("--neighbour-cache-mb", e.Message);
        Assert.Contains("'g'", e.Message);
        Assert.Equal(0, t.Store.NeighbourCacheBytes);
    }

    [Fact]
    public async Task Neighbours_CachesOverTheBudget_LeastRecentlyUsedEvicted()
    {
        // Each 5,000 x 8 table's cache is about 400 KB: the budget holds one of them.
        const long budget = 600 << 10;
        await using var t = await TestStore.OpenAsync(inMemory: true, o => o with { NeighbourCacheBytes = budget });
        var first = RandomRows(5_000);
        var second = RandomRows(5_000, Dim, 11);
        await t.ImportAsync("g1", first);
        await t.ImportAsync("g2", second);
        t.Store.CreateView(new ViewSpec("v1", "g1", null, TrainMode.Static));
        t.Store.CreateView(new ViewSpec("v2", "g2", null, TrainMode.Static));

        t.Store.Neighbours("v1", new NeighbourQuery("w1", null));
        Assert.True(t.Store.HoldsNeighbourCacheForTests("g1"));
        t.Store.Neighbours("v2", new NeighbourQuery("w1", null));
        Assert.False(t.Store.HoldsNeighbourCacheForTests("g1"));
        Assert.True(t.Store.HoldsNeighbourCacheForTests("g2"));
        Assert.InRange(t.Store.NeighbourCacheBytes, 1, budget);

        // An evicted cache is built again, with the same answers.
        Assert.Equal(BruteForce(first, first[1].Vector, "w1", 10), Tokens(t.Store.Neighbours("v1", new NeighbourQuery("w1", null))));
        Assert.False(t.Store.HoldsNeighbourCacheForTests("g2"));
        Assert.InRange(t.Store.NeighbourCacheBytes, 1, budget);
    }

    [Fact]
    public async Task Neighbours_ConcurrentQueriesAndPushesUnderEviction_AnswersStayExact()
    {
        // The budget holds one table's cache at a time, so queries of the two tables keep evicting each other.
        await using var t = await TestStore.OpenAsync(inMemory: true, o => o with { NeighbourCacheBytes = 600 << 10 });
        var first = RandomRows(5_000);
        var second = RandomRows(5_000, Dim, 11);
        await t.ImportAsync("g1", first);
        await t.ImportAsync("g2", second);
        t.Store.CreateView(new ViewSpec("s1", "g1", null, TrainMode.Static));
        t.Store.CreateView(new ViewSpec("s2", "g2", null, TrainMode.Static));
        t.Store.CreateView(new ViewSpec("ft", "g1", null, TrainMode.FineTune));
        var w7 = t.Store.Resolve("ft", ["w7"], UnknownPolicy.Default).Ids;
        var query = first[3].Vector;
        var expected1 = BruteForce(first, query, "w3", 10);
        var expected2 = BruteForce(second, second[3].Vector, "w3", 10);

        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(() =>
        {
            for (var i = 0; i < 30; i++)
            {
                Assert.Equal(expected1, Tokens(t.Store.Neighbours("s1", new NeighbourQuery("w3", null))));
                Assert.Equal(expected2, Tokens(t.Store.Neighbours("s2", new NeighbourQuery("w3", null))));
                // ft's copy of w7 is either the base row or the query itself, depending on the push below.
                var top = t.Store.Neighbours("ft", new NeighbourQuery("w3", null, K: 1)).Neighbours[0];
                Assert.True(top.Token == "w7" && top.Similarity > 0.9999f || top.Token == expected1[0], $"{top.Token} {top.Similarity}");
            }
        })).ToList();
        await t.Store.PushAsync("ft", PushKind.Assign, w7, query, false, false, CancellationToken.None);
        await Task.WhenAll(readers);
        Assert.Equal("w7", t.Store.Neighbours("ft", new NeighbourQuery("w3", null, K: 1)).Neighbours[0].Token);
        Assert.InRange(t.Store.NeighbourCacheBytes, 1, 600 << 10);
    }

    [Fact]
    public async Task Neighbours_DeletedViewsAndTables_CachesFreed()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        await t.ImportAsync("g", RandomRows(1_000));
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Static));
        t.Store.Neighbours("v", new NeighbourQuery("w1", null));
        Assert.True(t.Store.NeighbourCacheBytes > 0);
        t.Store.DeleteView("v");
        t.Store.DeleteTable("g");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (t.Store.NeighbourCacheBytes > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, t.Store.NeighbourCacheBytes);
    }

    private static List<string> Tokens(NeighbourResult result) => [.. result.Neighbours.Select(n => n.Token)];
}
