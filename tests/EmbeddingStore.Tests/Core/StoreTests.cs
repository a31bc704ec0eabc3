using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

public class StoreTests
{
    private static readonly (string, float[])[] Glove3 =
    [
        ("the", [0.1f, 0.2f, 0.3f]),
        ("good", [1f, 0f, -1f]),
        ("bad", [-1f, 0.5f, 2f]),
    ];

    private static float[] PullOne(Store store, string view, long id, out RowMeta meta)
    {
        var vector = new float[store.DimOf(view)];
        var metas = new RowMeta[1];
        store.Pull(view, [id], vector, metas);
        meta = metas[0];
        return vector;
    }

    [Fact]
    public async Task Import_SmallTextFile_RowsReadableThroughView()
    {
        await using var t = await TestStore.OpenAsync();
        var table = await t.ImportAsync("g", Glove3);
        Assert.Equal(3, table.Rows);
        Assert.Equal(3, table.Dim);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Static, UnknownPolicy.Fail));
        var ids = t.Store.Resolve("v", ["good", "the"], UnknownPolicy.Default).Ids;
        var vector = PullOne(t.Store, "v", ids[0], out var meta);
        Assert.Equal([1f, 0f, -1f], vector);
        Assert.Equal(RowOrigin.Base, meta.Origin);
        Assert.False(meta.Trainable);
    }

    [Fact]
    public async Task Pull_ImmutableFlag_SetExactlyOnRowsNoWriteCanEverChange()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        bool Immutable(string view, string token)
        {
            PullOne(t.Store, view, t.Store.Resolve(view, [token], UnknownPolicy.Create).Ids[0], out var meta);
            return meta.Immutable;
        }
        t.Store.CreateView(new ViewSpec("static", "g", null, TrainMode.Static, UnknownPolicy.Create));
        t.Store.CreateView(new ViewSpec("overlay", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        t.Store.CreateView(new ViewSpec("fine", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        // A static view over a fine-tune view: its own rows never change, what it inherits may.
        t.Store.CreateView(new ViewSpec("static-over-fine", null, "fine", TrainMode.Static, UnknownPolicy.Create));
        // An overlay view over a static one: the static rows it inherits never change, its own rows train.
        t.Store.CreateView(new ViewSpec("overlay-over-static", null, "static", TrainMode.Overlay, UnknownPolicy.Create));

        Assert.True(Immutable("static", "good"));
        Assert.True(Immutable("static", "@user"));
        Assert.True(Immutable("overlay", "good"));
        Assert.False(Immutable("overlay", "@user"));
        Assert.False(Immutable("fine", "good"));
        Assert.False(Immutable("fine", "@user"));
        Assert.False(Immutable("static-over-fine", "good"));
        Assert.False(Immutable("fine", "@num"));
        Assert.False(Immutable("static-over-fine", "@num"));
        Assert.True(Immutable("static-over-fine", "@own"));
        Assert.True(Immutable("overlay-over-static", "good"));
        Assert.True(Immutable("overlay-over-static", "@user"));
        Assert.False(Immutable("overlay-over-static", "@mine"));
        Assert.True(Immutable("fine", "<pad>"));

        // A snapshot of the fine-tune view is written once: every row of it, copies and base rows alike.
        var good = t.Store.Resolve("fine", ["good"], UnknownPolicy.Fail).Ids;
        await t.Store.PushAsync("fine", PushKind.Delta, good, new float[] { 1, 1, 1 }, false, false, CancellationToken.None);
        await t.Store.CreateSnapshotAsync("fine", "fine-at-1", CancellationToken.None);
        Assert.True(Immutable("fine-at-1", "good"));
        Assert.True(Immutable("fine-at-1", "the"));
        Assert.True(Immutable("fine-at-1", "@user"));
        // A fine-tune view over the snapshot may copy any row it reads.
        t.Store.CreateView(new ViewSpec("rollback", null, "fine-at-1", TrainMode.FineTune, UnknownPolicy.Fail));
        Assert.False(Immutable("rollback", "good"));
        Assert.False(Immutable("rollback", "the"));
    }

    [Fact]
    public async Task Resolve_FailPolicy_NotFoundNamesTheTokens()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Fail));
        var e = Assert.Throws<StoreException>(() => t.Store.Resolve("v", ["good", "zyzzyva", "@user"], UnknownPolicy.Default));
        Assert.Equal(StoreError.NotFound, e.Error);
        Assert.Contains("'zyzzyva'", e.Message);
        Assert.Contains("'@user'", e.Message);
    }

    [Fact]
    public async Task Resolve_UnkPolicy_AllUnknownTokensShareOneRow()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Unk));
        var result = t.Store.Resolve("v", ["foo", "good", "bar"], UnknownPolicy.Default);
        Assert.Equal(result.Ids[0], result.Ids[2]);
        Assert.Equal([0, 2], result.MappedToUnk);
        Assert.Equal(result.Ids[0], t.Store.Resolve("v", ["<unk>"], UnknownPolicy.Fail).Ids[0]);
    }

    [Fact]
    public async Task Resolve_ConcurrentCreationsOfOneToken_YieldOneRow()
    {
        await using var t = await TestStore.OpenAsync();
        t.Store.CreateTable("empty", 8);
        t.Store.CreateView(new ViewSpec("v", "empty", null, TrainMode.Overlay, UnknownPolicy.Create));
        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() =>
            t.Store.Resolve("v", ["@user", "<num>", "@user"], UnknownPolicy.Default).Ids)));
        Assert.Single(ids.Select(i => i[0]).Distinct());
        Assert.Single(ids.Select(i => i[1]).Distinct());
        Assert.Equal(2, t.Store.DescribeView("v").OwnRows);
    }

    [Fact]
    public async Task Resolve_CreatePolicy_VarianceMatchedUniformInit()
    {
        await using var t = await TestStore.OpenAsync();
        var table = await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        var id = t.Store.Resolve("v", ["newword"], UnknownPolicy.Default).Ids[0];
        var vector = PullOne(t.Store, "v", id, out var meta);
        Assert.All(vector, v => Assert.InRange(v, -table.VarianceMatchedA, table.VarianceMatchedA));
        Assert.Contains(vector, v => v != 0);
        Assert.Equal(RowOrigin.View, meta.Origin);
        Assert.True(meta.Trainable && meta.Own);
    }

    [Fact]
    public async Task PadToken_ReadsZerosAndPushIsRefused()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        var pad = t.Store.Resolve("v", ["<pad>"], UnknownPolicy.Default).Ids[0];
        Assert.Equal(Store.PadRowId, pad);
        Assert.All(PullOne(t.Store, "v", pad, out var meta), v => Assert.Equal(0f, v));
        Assert.Equal(RowOrigin.Pad, meta.Origin);
        var e = await Assert.ThrowsAsync<StoreException>(async () =>
            await t.Store.PushAsync("v", PushKind.Delta, new long[] { pad }, new float[3] { 1, 1, 1 }, false, false, default));
        Assert.Equal(StoreError.FailedPrecondition, e.Error);
    }

    [Fact]
    public async Task Push_FrozenRowInOverlayView_RefusedAndNothingApplied()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        var ids = t.Store.Resolve("v", ["good", "@user"], UnknownPolicy.Default).Ids;
        var before = PullOne(t.Store, "v", ids[1], out _);
        var e = await Assert.ThrowsAsync<StoreException>(async () =>
            await t.Store.PushAsync("v", PushKind.Delta, ids, new float[6] { 1, 1, 1, 1, 1, 1 }, false, false, default));
        Assert.Equal(StoreError.FailedPrecondition, e.Error);
        Assert.Equal(before, PullOne(t.Store, "v", ids[1], out _));

        var reported = await t.Store.PushAsync("v", PushKind.Delta, ids, new float[6] { 1, 1, 1, 1, 1, 1 }, true, false, default);
        Assert.Equal(1, reported.Applied);
        Assert.Equal(ids[0], Assert.Single(reported.Rejected).Id);
        Assert.Equal([1f, 0f, -1f], PullOne(t.Store, "v", ids[0], out _));
        Assert.Equal(before.Select(v => v + 1), PullOne(t.Store, "v", ids[1], out _));
    }

    [Fact]
    public async Task Push_FineTune_CopiesOnWriteAndOtherViewsKeepOriginal()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("a", "g", null, TrainMode.FineTune, UnknownPolicy.Fail));
        t.Store.CreateView(new ViewSpec("b", "g", null, TrainMode.FineTune, UnknownPolicy.Fail));
        var good = t.Store.Resolve("a", ["good"], UnknownPolicy.Default).Ids[0];
        await t.Store.PushAsync("a", PushKind.Delta, new long[] { good, good }, new float[6] { 1, 2, 3, 1, 2, 3 }, false, false, default);
        Assert.Equal([3f, 4f, 5f], PullOne(t.Store, "a", good, out var meta));
        Assert.Equal(RowOrigin.Copy, meta.Origin);
        Assert.Equal([1f, 0f, -1f], PullOne(t.Store, "b", good, out var other));
        Assert.Equal(RowOrigin.Base, other.Origin);
        Assert.Equal(1, t.Store.DescribeView("a").CopiedRows);
    }

    [Fact]
    public async Task Push_InvalidValues_InvalidArgument()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Fail));
        var good = t.Store.Resolve("v", ["good"], UnknownPolicy.Default).Ids[0];
        var nan = await Assert.ThrowsAsync<StoreException>(async () =>
            await t.Store.PushAsync("v", PushKind.Gradient, new long[] { good }, new float[] { 1, float.NaN, 0 }, false, false, default));
        Assert.Equal(StoreError.InvalidArgument, nan.Error);
        Assert.Contains("value 1 of row", nan.Message);
        var infinite = await Assert.ThrowsAsync<StoreException>(async () =>
            await t.Store.PushAsync("v", PushKind.Gradient, new long[] { good }, new float[] { 1, 0, float.NegativeInfinity }, false, false, default));
        Assert.Contains("value 2 of row", infinite.Message);
        var length = await Assert.ThrowsAsync<StoreException>(async () =>
            await t.Store.PushAsync("v", PushKind.Gradient, new long[] { good }, new float[] { 1, 2 }, false, false, default));
        Assert.Equal(StoreError.InvalidArgument, length.Error);
        Assert.Equal([1f, 0f, -1f], PullOne(t.Store, "v", good, out _));
    }

    [Fact]
    public async Task Push_Adadelta_MatchesZeilerUpdate()
    {
        await using var t = await TestStore.OpenAsync();
        t.Store.CreateTable("e", 2);
        t.Store.CreateView(new ViewSpec("v", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Zeros));
        var id = t.Store.Resolve("v", ["x"], UnknownPolicy.Default).Ids[0];
        float[] w = [0, 0], eg2 = [0, 0], edx2 = [0, 0];
        float[][] grads = [[1f, -2f], [0.5f, 0.25f], [-3f, 1f]];
        foreach (var g in grads)
        {
            await t.Store.PushAsync("v", PushKind.Gradient, new long[] { id }, g, false, false, default);
            for (var i = 0; i < 2; i++)
            {
                eg2[i] = 0.95f * eg2[i] + 0.05f * g[i] * g[i];
                var step = MathF.Sqrt(edx2[i] + 1e-6f) / MathF.Sqrt(eg2[i] + 1e-6f) * g[i];
                edx2[i] = 0.95f * edx2[i] + 0.05f * step * step;
                w[i] -= step;
            }
        }
        var actual = PullOne(t.Store, "v", id, out _);
        for (var i = 0; i < 2; i++) Assert.Equal(w[i], actual[i], 1e-6f);
    }

    [Fact]
    public async Task LayeredView_SeesParentRowsAndUpdates_SiblingDoesNot()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("special", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        t.Store.CreateView(new ViewSpec("model", null, "special", TrainMode.Overlay, UnknownPolicy.Fail));
        t.Store.CreateView(new ViewSpec("sibling", "g", null, TrainMode.Overlay, UnknownPolicy.Fail));
        var user = t.Store.Resolve("special", ["@user"], UnknownPolicy.Default).Ids[0];
        Assert.Equal(user, t.Store.Resolve("model", ["@user"], UnknownPolicy.Default).Ids[0]);
        await t.Store.PushAsync("special", PushKind.Assign, new long[] { user }, new float[] { 7, 8, 9 }, false, false, default);
        Assert.Equal([7f, 8f, 9f], PullOne(t.Store, "model", user, out var meta));
        Assert.False(meta.Trainable);
        Assert.False(meta.Own);
        Assert.Throws<StoreException>(() => t.Store.Resolve("sibling", ["@user"], UnknownPolicy.Default));
        Assert.Throws<StoreException>(() => PullOne(t.Store, "sibling", user, out _));
        Assert.Equal(StoreError.FailedPrecondition, Assert.Throws<StoreException>(() => t.Store.DeleteView("special")).Error);
    }

    [Fact]
    public async Task Reopen_AfterGracefulStop_KeepsTablesViewsAndUpdates()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create, Optimizer: new OptimizerSettings(OptimizerKind.Sgd, 0.5f)));
        var ids = t.Store.Resolve("v", ["good", "@user"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("v", PushKind.Gradient, ids, new float[] { 2, 2, 2, 0, 0, 0 }, false, false, default);
        var user = PullOne(t.Store, "v", ids[1], out _);
        await t.ReopenAsync();
        Assert.Equal([0f, -1f, -2f], PullOne(t.Store, "v", ids[0], out _));
        Assert.Equal(user, PullOne(t.Store, "v", ids[1], out _));
        Assert.Equal(ids[1], t.Store.Resolve("v", ["@user"], UnknownPolicy.Fail).Ids[0]);
        var next = t.Store.Resolve("v", ["<num>"], UnknownPolicy.Create).Ids[0];
        Assert.NotEqual(ids[1], next);
        Assert.Equal(3, t.Store.DescribeTable("g").Rows);
    }

    [Fact]
    public async Task Push_ConcurrentDeltaPushers_ExactSumAndOneCopy()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Glove3);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        var ids = t.Store.Resolve("v", ["good", "@user"], UnknownPolicy.Default).Ids;
        var start = PullOne(t.Store, "v", ids[1], out _);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
                await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 0.5f, 0, 1, 1, 1 }, false, false, default);
        })));
        Assert.Equal([401f, 200f, -1f], PullOne(t.Store, "v", ids[0], out _));
        var user = PullOne(t.Store, "v", ids[1], out _);
        for (var i = 0; i < 3; i++) Assert.Equal(start[i] + 400, user[i], 1e-3f);
        Assert.Equal(1, t.Store.DescribeView("v").CopiedRows);
    }
}
