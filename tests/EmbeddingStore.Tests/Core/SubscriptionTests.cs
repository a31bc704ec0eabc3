using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

/// <summary>Subscriptions against the core: initial state, live changes, reconnects, chains of views.</summary>
public class SubscriptionTests
{
    private static readonly (string, float[])[] Table = [("the", [0.1f, 0.2f]), ("good", [1f, 0f]), ("bad", [-1f, 0.5f])];

    private static async Task<TestStore> OpenWithViewAsync(TrainMode mode = TrainMode.FineTune)
    {
        var t = await TestStore.OpenAsync(inMemory: true);
        await t.ImportAsync("g", Table);
        t.Store.CreateView(new ViewSpec("v", "g", null, mode, UnknownPolicy.Create, InitKind.Zeros));
        return t;
    }

    /// <summary>Reads messages until one satisfies <paramref name="done"/>; a hang fails the test through the timeout.</summary>
    private static async Task<List<ChangeSet>> ReadUntil(IAsyncEnumerator<ChangeSet> e, Func<ChangeSet, bool> done)
    {
        var sets = new List<ChangeSet>();
        while (true)
        {
            Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            sets.Add(e.Current);
            if (done(e.Current)) return sets;
        }
    }

    private static Task Push(Store store, string view, long id, params float[] delta) =>
        store.PushAsync(view, PushKind.Delta, new[] { id }, delta, false, false, CancellationToken.None).AsTask();

    [Fact]
    public async Task Tokens_InitialStateThenLiveChangeWithVersion()
    {
        await using var t = await OpenWithViewAsync();
        var ids = t.Store.Resolve("v", ["good", "@user"], UnknownPolicy.Default).Ids;
        await using var e = t.Store.SubscribeAsync(new SubscriptionSpec("v", ["good", "@user", "the"], null, 0), CancellationToken.None).GetAsyncEnumerator();
        var initial = await ReadUntil(e, s => s.CaughtUp);
        Assert.Equal(["@user", "good", "the"], initial.SelectMany(s => s.Rows).Select(r => r.Token).Order(StringComparer.Ordinal));

        await Push(t.Store, "v", ids[0], 0.5f, 0.5f);
        await Push(t.Store, "v", ids[1], 2f, 3f);
        var live = await ReadUntil(e, s => s.Rows.Any(r => r.Token == "@user"));
        var good = live.SelectMany(s => s.Rows).Single(r => r.Token == "good");
        Assert.Equal([1.5f, 0.5f], good.Vector);
        Assert.Equal(RowOrigin.Copy, good.Meta.Origin);
        Assert.True(live[^1].Version >= live.SelectMany(s => s.Rows).Max(r => r.Meta.Version));
    }

    [Fact]
    public async Task Reconnect_AfterVersion_GetsOnlyLatestValueOfEachMissedRow()
    {
        await using var t = await OpenWithViewAsync();
        var id = t.Store.Resolve("v", ["@user"], UnknownPolicy.Default).Ids[0];
        long seen;
        await using (var first = t.Store.SubscribeAsync(new SubscriptionSpec("v", [], null, 0), CancellationToken.None).GetAsyncEnumerator())
            seen = (await ReadUntil(first, s => s.CaughtUp))[^1].Version;
        for (var i = 0; i < 5; i++) await Push(t.Store, "v", id, 1f, 0f);

        await using var again = t.Store.SubscribeAsync(new SubscriptionSpec("v", [], null, seen), CancellationToken.None).GetAsyncEnumerator();
        var caughtUp = await ReadUntil(again, s => s.CaughtUp);
        var row = Assert.Single(caughtUp.SelectMany(s => s.Rows));
        Assert.Equal([5f, 0f], row.Vector);
        Assert.False(caughtUp[^1].Resync);
        Assert.Equal(t.Store.Version, caughtUp[^1].Version);
    }

    [Fact]
    public async Task ChildView_SeesParentChangesUnlessItHasItsOwnCopy()
    {
        await using var t = await OpenWithViewAsync();
        t.Store.CreateView(new ViewSpec("child", null, "v", TrainMode.FineTune, UnknownPolicy.Fail));
        var ids = t.Store.Resolve("v", ["good", "bad"], UnknownPolicy.Default).Ids;
        await Push(t.Store, "child", ids[1], 1f, 1f);
        await using var e = t.Store.SubscribeAsync(new SubscriptionSpec("child", ["good", "bad"], null, 0), CancellationToken.None).GetAsyncEnumerator();
        await ReadUntil(e, s => s.CaughtUp);

        await Push(t.Store, "v", ids[1], 7f, 7f);
        await Push(t.Store, "v", ids[0], 1f, 1f);
        var live = await ReadUntil(e, s => s.Rows.Count > 0);
        var row = Assert.Single(live.SelectMany(s => s.Rows));
        Assert.Equal("good", row.Token);
        Assert.Equal([2f, 1f], row.Vector);
        Assert.False(row.Meta.Own);
    }

    [Fact]
    public async Task Prefix_OnlyMatchingTokensIncludingNewRows()
    {
        await using var t = await OpenWithViewAsync(TrainMode.Overlay);
        t.Store.Resolve("v", ["<num>", "word"], UnknownPolicy.Default);
        await using var e = t.Store.SubscribeAsync(new SubscriptionSpec("v", [], "<", 0), CancellationToken.None).GetAsyncEnumerator();
        var initial = await ReadUntil(e, s => s.CaughtUp);
        Assert.Equal(["<num>"], initial.SelectMany(s => s.Rows).Select(r => r.Token));

        t.Store.Resolve("v", ["other", "<url>"], UnknownPolicy.Default);
        var live = await ReadUntil(e, s => s.Rows.Count > 0);
        Assert.Equal(["<url>"], live.SelectMany(s => s.Rows).Select(r => r.Token));
    }

    [Fact]
    public async Task DeletedView_SubscriptionEndsWithNotFound()
    {
        await using var t = await OpenWithViewAsync();
        await using var e = t.Store.SubscribeAsync(new SubscriptionSpec("v", [], null, 0), CancellationToken.None).GetAsyncEnumerator();
        await ReadUntil(e, s => s.CaughtUp);
        var next = e.MoveNextAsync().AsTask();
        t.Store.DeleteView("v");
        var error = await Assert.ThrowsAsync<StoreException>(() => next.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StoreError.NotFound, error.Error);
    }

    [Fact]
    public async Task TokensAndPrefix_InvalidArgument()
    {
        await using var t = await OpenWithViewAsync();
        await using var e = t.Store.SubscribeAsync(new SubscriptionSpec("v", ["a"], "<", 0), CancellationToken.None).GetAsyncEnumerator();
        var error = await Assert.ThrowsAsync<StoreException>(() => e.MoveNextAsync().AsTask());
        Assert.Equal(StoreError.InvalidArgument, error.Error);
    }
}
