using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

/// <summary>A push that returns the rows as it left them (what a trainer's next step reads).</summary>
public class PushReadBackTests
{
    private static float[] Pull(Store store, string view, long[] ids, int dim)
    {
        var vectors = new float[ids.Length * dim];
        store.Pull(view, ids, vectors, new RowMeta[ids.Length]);
        return vectors;
    }

    [Fact]
    public async Task PushAsync_AdadeltaWithRowsAfter_ReturnsWhatAPullThenReads()
    {
        await using var t = await TestStore.OpenAsync();
        t.Store.CreateTable("e", 3);
        t.Store.CreateView(new ViewSpec("v", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Uniform,
            Optimizer: new OptimizerSettings(OptimizerKind.Adadelta)));
        var ids = t.Store.Resolve("v", ["a", "b", "c"], UnknownPolicy.Default).Ids;
        var gradients = new float[] { 1, -2, 3, 0.5f, 0.25f, -1, 7, 8, 9 };
        for (var step = 0; step < 3; step++)
        {
            var after = new float[ids.Length * 3];
            var before = Pull(t.Store, "v", ids, 3);
            await t.Store.PushAsync("v", PushKind.Gradient, ids, gradients, false, false, default, after);
            Assert.Equal(Pull(t.Store, "v", ids, 3), after);
            Assert.NotEqual(before, after);
        }
    }

    [Fact]
    public async Task PushAsync_RepeatedAndRefusedRows_EachIdGetsItsRowInRequestOrder()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("e", ("frozen", [5, 6]));
        t.Store.CreateView(new ViewSpec("v", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Zeros));
        var ids = t.Store.Resolve("v", ["x", "frozen", "y"], UnknownPolicy.Default).Ids;
        long[] pushed = [ids[0], ids[1], ids[0], ids[2], 0];
        var after = new float[pushed.Length * 2];
        var result = await t.Store.PushAsync("v", PushKind.Delta, pushed, new float[] { 1, 1, 9, 9, 2, 2, 3, 4, 7, 7 },
            reportFrozen: true, durable: false, default, after);

        Assert.Equal(2, result.Applied);
        Assert.Equal(new float[] { 3, 3, 5, 6, 3, 3, 3, 4, 0, 0 }, after);
    }

    [Fact]
    public async Task PushAsync_RowsAfterOfTheWrongLength_RefusedBeforeAnythingIsApplied()
    {
        await using var t = await TestStore.OpenAsync();
        t.Store.CreateTable("e", 2);
        t.Store.CreateView(new ViewSpec("v", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Zeros));
        var ids = t.Store.Resolve("v", ["x"], UnknownPolicy.Default).Ids;
        var e = await Assert.ThrowsAsync<StoreException>(async () =>
            await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1 }, false, false, default, new float[3]));
        Assert.Equal(StoreError.InvalidArgument, e.Error);
        Assert.Equal(new float[2], Pull(t.Store, "v", ids, 2));
    }
}
