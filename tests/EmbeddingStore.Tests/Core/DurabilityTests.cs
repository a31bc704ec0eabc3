using EmbeddingStore.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// What a crash leaves is what reached the files: copying the data folder while the store runs, then
/// opening the copy, recovers exactly as a restart after a kill would. (The end-to-end suite also kills
/// the real server process.)
/// </summary>
public class DurabilityTests
{
    private static readonly (string, float[])[] Rows = [("a", [1f, 2f]), ("b", [3f, 4f])];

    /// <summary>A store with table <c>g</c> (<see cref="Rows"/>) and fine-tune view <c>v</c>; the ids of "a" and a new "@user".</summary>
    private static async Task<(TestStore Store, long[] Ids)> OpenWithFineTuneViewAsync()
    {
        var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        return (t, t.Store.Resolve("v", ["a", "@user"], UnknownPolicy.Default).Ids);
    }

    [Fact]
    public async Task CrashCopy_DurablePushesSinceLastCheckpoint_AllRecovered()
    {
        var (t, ids) = await OpenWithFineTuneViewAsync();
        await using var _ = t;
        await t.Store.CheckpointAsync(default);
        for (var i = 0; i < 40; i++)
            await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default);
        var expectedUser = Pull(t.Store, "v", ids[1]);

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal([41f, 42f], Pull(recovered, "v", ids[0]));
            Assert.Equal(expectedUser, Pull(recovered, "v", ids[1]));
            Assert.Equal(1, recovered.DescribeView("v").CopiedRows);
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public async Task CrashCopy_RowsWrittenBeforeALaterImport_RecoveredAndStillTrainable()
    {
        // An import writes the log out to its file and makes it read-only, so later checkpoints skip its base rows.
        // That also freezes the view rows written before it: their next update appends a new record instead.
        var (t, ids) = await OpenWithFineTuneViewAsync();
        await using var _ = t;
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: false, default);
        var userBefore = Pull(t.Store, "v", ids[1]);
        await t.ImportAsync("h", ("x", [5f, 6f]), ("y", [7f, 8f]));
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: false, default);
        await t.Store.CheckpointAsync(default);
        t.Store.CreateView(new ViewSpec("w", "h", null, TrainMode.Static, UnknownPolicy.Fail));
        var hIds = t.Store.Resolve("w", ["x", "y"], UnknownPolicy.Default).Ids;
        t.Store.CreateView(new ViewSpec("gr", "g", null, TrainMode.Static, UnknownPolicy.Fail));
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default);

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal([4f, 5f], Pull(recovered, "v", ids[0]));
            Assert.Equal(userBefore.Select(x => x + 2).ToArray(), Pull(recovered, "v", ids[1]));
            Assert.Equal([5f, 6f], Pull(recovered, "w", hIds[0]));
            Assert.Equal([7f, 8f], Pull(recovered, "w", hIds[1]));
            Assert.Equal([1f, 2f], Pull(recovered, "gr", recovered.Resolve("gr", ["a"], UnknownPolicy.Fail).Ids[0]));
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public async Task CrashCopy_AfterFullAndLogOnlyCheckpoints_EveryRowAsLastWritten()
    {
        // More checkpoints than FullCheckpointEvery: full ones, log-only snapshots over them, and a full one again,
        // with rows created and updated between them; the copy holds no write-ahead log entry after the last one,
        // so what it recovers comes from the checkpoints alone.
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        var expected = new Dictionary<long, float[]>();
        for (var round = 0; round < FasterRecordStoreFullEvery + 3; round++)
        {
            var ids = t.Store.Resolve("v", ["a", $"new{round}", $"new{round / 2}"], UnknownPolicy.Default).Ids;
            await t.Store.PushAsync("v", PushKind.Delta, ids, Enumerable.Repeat((float)round, 6).ToArray(), false, durable: false, default);
            foreach (var id in ids.Distinct()) expected[id] = Pull(t.Store, "v", id);
            await t.Store.CheckpointAsync(default);
        }

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            foreach (var (id, vector) in expected) Assert.Equal(vector, Pull(recovered, "v", id));
            Assert.Equal(t.Store.Resolve("v", ["new5"], UnknownPolicy.Fail).Ids, recovered.Resolve("v", ["new5"], UnknownPolicy.Fail).Ids);
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public async Task CrashCopy_ConcurrentPushesSeveralTimesTheLogsMemory_EveryAcknowledgedPushRecovered()
    {
        // 16 durable pushes of 1,000 rows x 2,048 floats: 8 MB of after-images each, 128 MB in all, against a
        // write-ahead log of 32 MB whose writers wait for a flush beyond 16 MB unflushed.
        const int dim = 2048, rows = 1000, pushers = 4, pushesEach = 4;
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", [.. Enumerable.Range(0, rows).Select(i => ($"w{i}", new float[dim]))]);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Fail));
        var ids = t.Store.Resolve("v", [.. Enumerable.Range(0, rows).Select(i => $"w{i}")], UnknownPolicy.Default).Ids;
        var ones = Enumerable.Repeat(1f, rows * dim).ToArray();
        await Task.WhenAll(Enumerable.Range(0, pushers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < pushesEach; i++)
                await t.Store.PushAsync("v", PushKind.Delta, ids, ones, false, durable: true, default);
        })));

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            var vectors = new float[rows * dim];
            recovered.Pull("v", ids, vectors, new RowMeta[rows]);
            Assert.All(vectors, x => Assert.Equal(pushers * pushesEach, x));
        }
        finally { Directory.Delete(copy, true); }
    }

    [Theory]
    [InlineData(1L << 20, 32L << 20)]
    [InlineData(512L << 20, 64L << 20)]
    [InlineData(1L << 30, 128L << 20)]
    [InlineData(16L << 30, 128L << 20)]
    public void WriteAheadLogMemory_AnEighthOfTheBudget_From32To128MiB(long budget, long expected) =>
        Assert.Equal(expected, EmbeddingStore.Core.Storage.WriteAheadLog.MemoryBytesFor(budget));

    private const int FasterRecordStoreFullEvery = EmbeddingStore.Core.Storage.FasterRecordStore.FullCheckpointEvery;

    [Fact]
    public async Task CrashCopy_ConcurrentDurablePushesToOneRow_ExactSumRecovered()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Fail));
        var a = t.Store.Resolve("v", ["a"], UnknownPolicy.Default).Ids;
        await t.Store.CheckpointAsync(default);
        // Replay keeps the newest after-image per row; that is only right if versions follow the order of application.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
                await t.Store.PushAsync("v", PushKind.Delta, a, new float[] { 1, 0 }, false, durable: true, default);
        })));
        Assert.Equal([101f, 2f], Pull(t.Store, "v", a[0]));

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal([101f, 2f], Pull(recovered, "v", a[0]));
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public async Task CrashCopy_DefaultPushes_OnDiskAfterFlushInterval()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Fail));
        var a = t.Store.Resolve("v", ["a"], UnknownPolicy.Default).Ids;
        for (var i = 0; i < 10; i++)
            await t.Store.PushAsync("v", PushKind.Delta, a, new float[] { 1, 0 }, false, durable: false, default);
        await Task.Delay(t.Options.WalFlushInterval * 5);

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal([11f, 2f], Pull(recovered, "v", a[0]));
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public async Task BaseRows_UnchangedBitForBit_AfterTrainingTraffic()
    {
        await using var t = await TestStore.OpenAsync();
        var random = new Random(7);
        var rows = Enumerable.Range(0, 200).Select(i => ($"w{i}", Enumerable.Range(0, 16).Select(_ => random.NextSingle() - 0.5f).ToArray())).ToArray();
        await t.ImportAsync("g", rows);
        t.Store.CreateView(new ViewSpec("static", "g", null, TrainMode.Static, UnknownPolicy.Fail));
        t.Store.CreateView(new ViewSpec("tune", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        t.Store.CreateView(new ViewSpec("overlay", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        var tokens = rows.Select(r => r.Item1).ToList();
        var before = Checksum(t.Store, "static", tokens);

        var tuneIds = t.Store.Resolve("tune", [.. tokens, "new1", "new2"], UnknownPolicy.Default).Ids;
        var overlayIds = t.Store.Resolve("overlay", [.. tokens, "new1"], UnknownPolicy.Default).Ids;
        for (var step = 0; step < 20; step++)
        {
            var grads = Enumerable.Range(0, tuneIds.Length * 16).Select(_ => random.NextSingle() - 0.5f).ToArray();
            await t.Store.PushAsync("tune", PushKind.Gradient, tuneIds, grads, false, false, default);
            await t.Store.PushAsync("overlay", PushKind.Gradient, overlayIds, grads.AsMemory(0, overlayIds.Length * 16), true, false, default);
        }
        Assert.Equal(before, Checksum(t.Store, "static", tokens));
        await t.ReopenAsync();
        Assert.Equal(before, Checksum(t.Store, "static", tokens));
        Assert.NotEqual(before, Checksum(t.Store, "tune", tokens));
    }

    private static string Checksum(Store store, string view, List<string> tokens)
    {
        var ids = store.Resolve(view, tokens, UnknownPolicy.Fail).Ids;
        var vectors = new float[ids.Length * store.DimOf(view)];
        store.Pull(view, ids, vectors, new RowMeta[ids.Length]);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.AsSpan())));
    }

    internal static float[] Pull(Store store, string view, long id)
    {
        var vector = new float[store.DimOf(view)];
        store.Pull(view, [id], vector, new RowMeta[1]);
        return vector;
    }

    /// <summary>
    /// Copies the folder of a running store. The log keeps replacing its small commit files, so a pass in
    /// which one vanished is thrown away and the copy taken again: what is left is the folder at one moment.
    /// </summary>
    [Fact]
    public async Task CrashCopy_CatalogSavedAfterNewRows_RowsCountedOnce()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", Rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        await t.Store.CheckpointAsync(default);
        t.Store.Resolve("v", ["x", "y", "z"], UnknownPolicy.Default);
        // This catalog record already counts x, y and z; replaying their rows must not count them again.
        t.Store.CreateView(new ViewSpec("w", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        var after = t.Store.Resolve("v", ["after"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("v", PushKind.Delta, after, new float[] { 1, 1 }, false, durable: true, default);

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal(4, recovered.DescribeView("v").OwnRows);
            var next = recovered.Resolve("v", ["new"], UnknownPolicy.Default).Ids[0];
            Assert.DoesNotContain(next, recovered.Resolve("v", ["x", "y", "z", "after"], UnknownPolicy.Fail).Ids);
        }
        finally { Directory.Delete(copy, true); }
    }

    internal static string CopyDataDir(string source)
    {
        for (var attempt = 0; ; attempt++)
        {
            var target = source + "-crash-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
                {
                    var destination = Path.Combine(target, Path.GetRelativePath(source, file));
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.Copy(file, destination);
                }
                return target;
            }
            catch (FileNotFoundException) when (attempt < 10)
            {
                Directory.Delete(target, recursive: true);
            }
        }
    }
}
