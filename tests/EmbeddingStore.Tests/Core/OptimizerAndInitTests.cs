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
    public async Task Adadelta_ManyStepsOnAnOddDimension_BitForBitTheScalarFormula()
    {
        // 37 elements: whole SIMD vectors and a scalar tail; the vectorized update must not change a single bit.
        const int Dim = 37;
        await using var t = await TestStore.OpenAsync();
        t.Store.CreateTable("e", Dim);
        t.Store.CreateView(new ViewSpec("v", "e", null, TrainMode.Overlay, UnknownPolicy.Create, InitKind.Zeros,
            Optimizer: new OptimizerSettings(OptimizerKind.Adadelta)));
        var id = t.Store.Resolve("v", ["x"], UnknownPolicy.Default).Ids[0];
        float rho = 0.95f, eps = 1e-6f;
        var w = new float[Dim];
        var eg2 = new float[Dim];
        var edx2 = new float[Dim];
        var random = new Random(7);
        for (var step = 0; step < 20; step++)
        {
            var g = Enumerable.Range(0, Dim).Select(_ => (random.NextSingle() - 0.5f) * 10).ToArray();
            await t.Store.PushAsync("v", PushKind.Gradient, new[] { id }, g, false, false, default);
            for (var i = 0; i < Dim; i++)
            {
                eg2[i] = rho * eg2[i] + (1 - rho) * g[i] * g[i];
                var dx = MathF.Sqrt(edx2[i] + eps) / MathF.Sqrt(eg2[i] + eps) * g[i];
                edx2[i] = rho * edx2[i] + (1 - rho) * dx * dx;
                w[i] -= 1f * dx;
            }
        }
        var actual = new float[Dim];
        t.Store.Pull("v", [id], actual, new RowMeta[1]);
        Assert.Equal(w, actual);
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

    [Theory]
    [InlineData(PushKind.Delta, 1e30f, true)]    // under half a float spacing at float.MaxValue: rounds back, skips the pre-check
    [InlineData(PushKind.Delta, -1e30f, true)]
    [InlineData(PushKind.Delta, 3e31f, false)]   // over it: infinite, refused by the pre-check
    [InlineData(PushKind.Gradient, -1e29f, true)] // SGD with lr 10: a step of 1e30
    [InlineData(PushKind.Gradient, -1e31f, false)]
    public async Task Sgd_RowAtFloatMax_SmallUpdatesStayFinite_LargeOnesRefusedWhole(PushKind kind, float value, bool applied)
    {
        var (t, id) = await OneRowAsync(new OptimizerSettings(OptimizerKind.Sgd, 10f));
        await using var _ = t;
        await t.Store.PushAsync("v", PushKind.Assign, new[] { id }, new[] { float.MaxValue, float.MaxValue }, false, false, default);
        var push = t.Store.PushAsync("v", kind, new[] { id }, new[] { value, value }, false, false, default).AsTask();
        if (applied) Assert.Equal(1, (await push).Applied);
        else Assert.Equal(StoreError.InvalidArgument, (await Assert.ThrowsAsync<StoreException>(() => push)).Error);
        Assert.All(Pull(t.Store, id), v => Assert.True(float.IsFinite(v), $"{v}"));
    }
}
