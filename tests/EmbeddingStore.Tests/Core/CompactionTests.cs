using EmbeddingStore.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// Log compaction: updates of rows the log's memory no longer holds append copies, so without compaction the log and
/// its files grow with every pass of training. A compaction copies the live records of the read-only part to the tail,
/// drops the rest, and the checkpoint after it frees the files.
/// </summary>
public class CompactionTests
{
    private const int Dim = 32, Rows = 4_000;

    /// <summary>1 MiB of log memory in 64 KiB pages and 1 MiB segments: a view of 4,000 32-d rows does not fit.</summary>
    private static Task<TestStore> OpenSmallAsync() =>
        TestStore.OpenAsync(configure: o => o with { MemoryBudgetBytes = 1 << 20, PageSizeBits = 16, LogSegmentBits = 20 });

    private static async Task<long[]> ImportAndViewAsync(TestStore t, string table, string view)
    {
        var rows = Enumerable.Range(0, Rows).Select(i => ($"{table}{i}", Enumerable.Repeat((float)i, Dim).ToArray())).ToArray();
        await t.ImportAsync(table, rows);
        t.Store.CreateView(new ViewSpec(view, table, null, TrainMode.FineTune, UnknownPolicy.Fail));
        t.Store.CreateView(new ViewSpec(table + "-base", table, null, TrainMode.Static, UnknownPolicy.Fail));
        return t.Store.Resolve(view, [.. rows.Select(r => r.Item1)], UnknownPolicy.Default).Ids;
    }

    /// <summary>Adds 1 to every value of every row, in batches of 500.</summary>
    private static async Task PushOnesAsync(Store store, string view, long[] ids)
    {
        foreach (var batch in ids.Chunk(500))
            await store.PushAsync(view, PushKind.Delta, batch, Enumerable.Repeat(1f, batch.Length * Dim).ToArray(), false, false, default);
    }

    /// <summary>Checks that row i of the view (counted from <paramref name="firstRow"/>) reads i + <paramref name="added"/> in every value.</summary>
    private static void AssertRows(Store store, string view, long[] ids, float added, int firstRow = 0)
    {
        var vectors = new float[ids.Length * Dim];
        store.Pull(view, ids, vectors, new RowMeta[ids.Length]);
        for (var i = 0; i < ids.Length; i++)
        {
            var row = vectors.AsSpan(i * Dim, Dim);
            var expected = firstRow + i + added;
            if (row.ToArray().Any(v => v != expected))
                Assert.Fail($"row {firstRow + i} reads {row[0]}..., expected {expected}");
        }
    }

    private static long FilesBytes(string dataDir) =>
        new DirectoryInfo(Path.Combine(dataDir, "log")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    [Fact]
    public async Task RepeatedPassesOverRowsOnDisk_CompactionShrinksLogAndFiles_RowsKeptAcrossRestart()
    {
        await using var t = await OpenSmallAsync();
        var ids = await ImportAndViewAsync(t, "g", "v");
        const int Passes = 8;
        for (var pass = 0; pass < Passes; pass++) await PushOnesAsync(t.Store, "v", ids);
        var logBefore = t.Store.LogBytes;
        var filesBefore = FilesBytes(t.DataDir);
        Assert.True(t.Store.CompactionDueForTests, $"no compaction due after {Passes} passes over a log of {logBefore >> 10} KiB");
        await t.ReopenAsync(); // a restart (whose last checkpoint does not compact) keeps the count that calls for it
        Assert.True(t.Store.CompactionDueForTests, "no compaction due after a restart");

        await t.Store.CheckpointAsync(default); // compacts, because it is due

        Assert.False(t.Store.CompactionDueForTests);
        Assert.True(t.Store.LogBytes < logBefore / 2, $"log {logBefore >> 10} KiB -> {t.Store.LogBytes >> 10} KiB");
        Assert.True(FilesBytes(t.DataDir) < filesBefore / 2, $"log files {filesBefore >> 10} KiB -> {FilesBytes(t.DataDir) >> 10} KiB");
        AssertRows(t.Store, "v", ids, Passes);
        AssertRows(t.Store, "g-base", ids, 0);

        await PushOnesAsync(t.Store, "v", ids);
        await t.ReopenAsync();
        AssertRows(t.Store, "v", ids, Passes + 1);
        AssertRows(t.Store, "g-base", ids, 0);
        Assert.Equal([ids[0], ids[^1]], t.Store.Resolve("v", ["g0", "g3999"], UnknownPolicy.Fail).Ids);
    }

    [Fact]
    public async Task DeletedTableAndView_RecordsDroppedByTheNextCompaction()
    {
        await using var t = await OpenSmallAsync();
        var ids = await ImportAndViewAsync(t, "g", "v");
        var goneIds = await ImportAndViewAsync(t, "h", "w");
        await PushOnesAsync(t.Store, "v", ids);
        await PushOnesAsync(t.Store, "w", goneIds);
        var logBefore = t.Store.LogBytes;
        t.Store.DeleteView("w");
        t.Store.DeleteView("h-base");
        t.Store.DeleteTable("h");

        await t.Store.CheckpointAsync(compact: true, default);

        Assert.True(t.Store.LogBytes < logBefore * 2 / 3, $"log {logBefore >> 10} KiB -> {t.Store.LogBytes >> 10} KiB");
        AssertRows(t.Store, "v", ids, 1);
        await t.ReopenAsync();
        AssertRows(t.Store, "v", ids, 1);
        Assert.DoesNotContain(t.Store.ListTables(), table => table.Name == "h");
    }

    [Fact]
    public async Task PushesDuringCompaction_NoUpdateLost()
    {
        await using var t = await OpenSmallAsync();
        var ids = await ImportAndViewAsync(t, "g", "v");
        for (var pass = 0; pass < 2; pass++) await PushOnesAsync(t.Store, "v", ids);
        // Two pushers on the two halves of the rows, each pass adding 1, until checkpoints have compacted the log
        // twice beside them.
        var halves = ids.Chunk(Rows / 2).ToArray();
        var passes = new int[halves.Length];
        var compactions = 0;
        var pushing = Task.WhenAll(halves.Select((half, h) => Task.Run(async () =>
        {
            while (Volatile.Read(ref compactions) < 2)
            {
                await PushOnesAsync(t.Store, "v", half);
                passes[h]++;
            }
        })));
        while (!pushing.IsCompleted)
        {
            await t.Store.CheckpointAsync(compact: true, default);
            Interlocked.Increment(ref compactions);
        }
        await pushing;

        Assert.All(passes, p => Assert.True(p >= 1, $"passes per pusher: {string.Join(", ", passes)}"));
        for (var h = 0; h < halves.Length; h++) AssertRows(t.Store, "v", halves[h], 2 + passes[h], firstRow: h * (Rows / 2));
        await t.ReopenAsync();
        for (var h = 0; h < halves.Length; h++) AssertRows(t.Store, "v", halves[h], 2 + passes[h], firstRow: h * (Rows / 2));
    }

    [Fact]
    public async Task SegmentSize_RecordedByANewFolder_KeptAcrossOptions_LegacyFolderOpens()
    {
        await using var t = await TestStore.OpenAsync(configure: o => o with { LogSegmentBits = 21 });
        await t.ImportAsync("g", ("a", [1f, 2f]));
        t.Store.CreateView(new ViewSpec("r", "g", null, TrainMode.Static, UnknownPolicy.Fail));
        var marker = Path.Combine(t.DataDir, "log", "segment-bits");
        Assert.Equal("21", File.ReadAllText(marker).Trim());
        await t.Store.DisposeAsync();

        // Later options do not change a folder's segment size.
        await using (var reopened = await Store.OpenAsync(t.Options with { LogSegmentBits = 26 }, NullLoggerFactory.Instance, default))
            Assert.Equal([1f, 2f], PullOne(reopened, "r", "a"));
        Assert.Equal("21", File.ReadAllText(marker).Trim());

        // A folder written before the size was recorded (log files, no record) opens with the 1 GiB it was written with.
        File.Delete(marker);
        await using (var legacy = await Store.OpenAsync(t.Options with { LogSegmentBits = 26 }, NullLoggerFactory.Instance, default))
            Assert.Equal([1f, 2f], PullOne(legacy, "r", "a"));
        Assert.False(File.Exists(marker));

        File.WriteAllText(marker, "banana");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Store.OpenAsync(t.Options, NullLoggerFactory.Instance, default));
        Assert.Contains("segment-bits: 'banana'", error.Message);
        File.Delete(marker);
        await t.ReopenAsync(); // for the fixture's own disposal
    }

    private static float[] PullOne(Store store, string view, string token)
    {
        var ids = store.Resolve(view, [token], UnknownPolicy.Fail).Ids;
        var vector = new float[store.DimOf(view)];
        store.Pull(view, ids, vector, new RowMeta[1]);
        return vector;
    }
}
