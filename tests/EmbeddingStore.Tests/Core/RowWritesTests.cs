using EmbeddingStore.Core;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// Every kind of row write goes through <c>RowWrites</c>, which does all of its parts: each must reach the change feed
/// (the view's space, the row, the write's version) and mark the row in the neighbour caches of every view that reads
/// the view's space (its own and a child's).
/// </summary>
public class RowWritesTests
{
    private static readonly (string, float[])[] Table = [("the", [0.1f, 0.2f]), ("good", [1f, 0f]), ("bad", [-1f, 0.5f])];

    [Fact]
    public async Task EveryWriteKind_ReachesTheChangeFeedAndMarksTheNeighbourCaches()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        await t.ImportAsync("g", Table);
        t.Store.CreateView(new ViewSpec("ft", "g", null, TrainMode.FineTune, UnknownPolicy.Create, InitKind.Zeros));
        t.Store.CreateView(new ViewSpec("child", null, "ft", TrainMode.Overlay, UnknownPolicy.Create, InitKind.Zeros));
        var good = t.Store.Resolve("ft", ["good"], UnknownPolicy.Default).Ids[0];
        var writes = new List<(string Kind, Func<long> Write)>();
        long own = -1;
        writes.Add(("create", () => own = t.Store.Resolve("ft", ["@user"], UnknownPolicy.Default).Ids[0]));
        writes.Add(("push to an own row", () => Push(own)));
        writes.Add(("push creating a copy", () => Push(good)));
        writes.Add(("push to a copy", () => Push(good)));
        writes.Add(("evict a copy", () => Evict(good)));
        writes.Add(("evict an own row", () => Evict(own)));

        foreach (var (kind, write) in writes)
        {
            // A query refreshes the caches (and clears their marks); the write must mark its row again.
            t.Store.Neighbours("ft", new NeighbourQuery("the", null));
            t.Store.Neighbours("child", new NeighbourQuery("the", null));
            var before = t.Store.FeedChangesForTests().Length;
            var id = write();

            var changes = t.Store.FeedChangesForTests();
            Assert.True(changes.Length == before + 1, $"{kind}: {changes.Length - before} changes in the feed, not 1");
            var change = changes[^1];
            Assert.Equal((Keys.OwnerOf(own), id, t.Store.Version), (change.Space, change.RowId, change.Version));
            Assert.True(t.Store.NeighbourCacheMarkedForTests("ft", id), $"{kind}: not marked in the view's neighbour cache");
            Assert.True(t.Store.NeighbourCacheMarkedForTests("child", id), $"{kind}: not marked in the child view's neighbour cache");
        }
        Assert.Equal(0, t.Store.DescribeView("ft").OwnRows);
        Assert.Equal(0, t.Store.DescribeView("ft").CopiedRows);
        Assert.Equal(2, t.Store.DescribeView("ft").EvictedRows);

        long Push(long id)
        {
            var result = t.Store.PushAsync("ft", PushKind.Delta, new[] { id }, new[] { 0.5f, 0.5f }, false, false, CancellationToken.None)
                .AsTask().GetAwaiter().GetResult();
            Assert.Equal(1, result.Applied);
            return id;
        }

        long Evict(long id)
        {
            Assert.True(t.Store.EvictForTests("ft", id));
            return id;
        }
    }
}
