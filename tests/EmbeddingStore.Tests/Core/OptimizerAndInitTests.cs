using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

public class OptimizerAndInitTests
{
    private static async Task<(TestStore Store, long Id)> OneRowAsync(OptimizerSettings optimizer)
    {
        var t = await TestStore.OpenAsync();
        t.Store.CreateTable("e", 2);
        t.Store.CreateView(new ViewSpec("v", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Zeros, Optimizer: optimizer));
        return (t, t.Store.Resolve("v", ["x"], UnknownPolicy.Default).Ids[0]);
    }

    private static float[] Pull(Store store, long id)
    {
        var v = new float[2];
        store.Pull("v", [id], v, new RowMeta[1]);
        return v;
    }

    [Fact]
    public async Task Adagrad_TwoSteps_MatchesFormula()
    {
        var (t, id) = await OneRowAsync(new OptimizerSettings(OptimizerKind.Adagrad, 0.1f));
        await using var _ = t;
        await t.Store.PushAsync("v", PushKind.Gradient, new[] { id }, new[] { 1f, -2f }, false, false, default);
        await t.Store.PushAsync("v", PushKind.Gradient, new[] { id }, new[] { 1f, 0f }, false, false, default);
        var w0 = -0.1f * 1 / (1 + 1e-10f) - 0.1f * 1 / (MathF.Sqrt(2) + 1e-10f);
        var w1 = -0.1f * -2 / (2 + 1e-10f);
        var actual = Pull(t.Store, id);
        Assert.Equal(w0, actual[0], 1e-6f);
        Assert.Equal(w1, actual[1], 1e-6f);
    }

    [Fact]
    public async Task LazyAdam_FirstStep_MovesByLearningRateAgainstGradientSign()
    {
        var (t, id) = await OneRowAsync(new OptimizerSettings(OptimizerKind.LazyAdam, 0.01f));
        await using var _ = t;
        await t.Store.PushAsync("v", PushKind.Gradient, new[] { id }, new[] { 5f, -0.001f }, false, false, default);
        var actual = Pull(t.Store, id);
        // With bias correction the first Adam step is lr * g / |g|, whatever the gradient's size.
        Assert.Equal(-0.01f, actual[0], 1e-5f);
        Assert.Equal(0.01f, actual[1], 1e-4f);
    }

    [Fact]
    public async Task NormalInit_SameSeedSameToken_SameVectorAcrossViews()
    {
        await using var t = await TestStore.OpenAsync();
        t.Store.CreateTable("e", 64);
        t.Store.CreateView(new ViewSpec("a", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Normal, InitScale: 0.5f, Seed: 9));
        t.Store.CreateView(new ViewSpec("b", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Normal, InitScale: 0.5f, Seed: 9));
        var a = new float[64];
        var b = new float[64];
        t.Store.Pull("a", t.Store.Resolve("a", ["tok"], UnknownPolicy.Default).Ids, a, new RowMeta[1]);
        t.Store.Pull("b", t.Store.Resolve("b", ["tok"], UnknownPolicy.Default).Ids, b, new RowMeta[1]);
        Assert.Equal(a, b);
        var std = Math.Sqrt(a.Average(v => v * v));
        Assert.InRange(std, 0.3, 0.7);
    }

    [Fact]
    public async Task CopyInit_NewRowsStartAsTheNamedToken()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", ("<unk>", [0.5f, -0.5f]), ("the", [1f, 1f]));
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Copy, InitCopyToken: "<unk>"));
        var v = new float[2];
        t.Store.Pull("v", t.Store.Resolve("v", ["@user"], UnknownPolicy.Default).Ids, v, new RowMeta[1]);
        Assert.Equal([0.5f, -0.5f], v);
    }
}
