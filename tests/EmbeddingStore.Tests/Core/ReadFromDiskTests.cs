using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// Rows that the log's memory no longer holds are read from disk (FASTER answers those reads as pending and the
/// store completes them) within the same pull as rows still in memory. These tests make the store's memory a few
/// pages so most rows are on disk.
/// </summary>
public class ReadFromDiskTests
{
    private const int Rows = 3000;
    private const int Dim = 16;

    private static float[] VectorOf(int row) => [.. Enumerable.Range(0, Dim).Select(j => row + j / 100f)];

    private static Task<TestStore> OpenTinyAsync() =>
        TestStore.OpenAsync(configure: o => o with { MemoryBudgetBytes = 64 << 10, PageSizeBits = 14 });

    private static async Task<long[]> ImportAsync(TestStore t)
    {
        await t.ImportAsync("g", [.. Enumerable.Range(0, Rows).Select(r => ($"w{r}", VectorOf(r)))]);
        t.Store.CreateView(new ViewSpec("read", "g", null, TrainMode.Static, UnknownPolicy.Fail));
        return t.Store.Resolve("read", [.. Enumerable.Range(0, Rows).Select(r => $"w{r}")], UnknownPolicy.Default).Ids;
    }

    [Fact]
    public async Task Pull_RowsMostlyOnDisk_EveryRowAsImported()
    {
        await using var t = await OpenTinyAsync();
        var ids = await ImportAsync(t);
        // A shuffled order, so reads from disk and from memory interleave within one pull.
        var order = Enumerable.Range(0, Rows).OrderBy(r => (r * 7919) % Rows).ToArray();
        var vectors = new float[Rows * Dim];
        var meta = new RowMeta[Rows];
        t.Store.Pull("read", [.. order.Select(r => ids[r])], vectors, meta);
        for (var i = 0; i < Rows; i++)
        {
            Assert.Equal(VectorOf(order[i]), vectors.AsSpan(i * Dim, Dim).ToArray());
            Assert.Equal(RowOrigin.Base, meta[i].Origin);
        }
    }

    [Fact]
    public async Task Pull_FineTuneCopiesAndBaseRowsOnDisk_EachRowFromItsNearestRecord()
    {
        await using var t = await OpenTinyAsync();
        var ids = await ImportAsync(t);
        t.Store.CreateView(new ViewSpec("tune", "g", null, TrainMode.FineTune, UnknownPolicy.Fail, Optimizer: new OptimizerSettings(OptimizerKind.Sgd, LearningRate: 1)));
        // Every third row gets a copy (delta 1 on each value); then enough writes that most copies leave memory too.
        var changed = ids.Where((_, r) => r % 3 == 0).ToArray();
        await t.Store.PushAsync("tune", PushKind.Delta, changed, Enumerable.Repeat(1f, changed.Length * Dim).ToArray(), false, false, default);
        var vectors = new float[Rows * Dim];
        var meta = new RowMeta[Rows];
        t.Store.Pull("tune", ids.Reverse().ToArray(), vectors, meta);
        for (var i = 0; i < Rows; i++)
        {
            var row = Rows - 1 - i;
            var expected = VectorOf(row).Select(v => row % 3 == 0 ? v + 1 : v).ToArray();
            Assert.Equal(expected, vectors.AsSpan(i * Dim, Dim).ToArray());
            Assert.Equal(row % 3 == 0, meta[i].Own);
        }
    }
}
