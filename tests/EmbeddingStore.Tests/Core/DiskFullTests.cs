using System.Diagnostics;
using static EmbeddingStore.Tests.Core.DurabilityTests;
using EmbeddingStore.Core;
using VectorFormats;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// A full disk never bricks the store: writes are refused at once with ResourceExhausted (naming the data folder and
/// the space), reads go on, and nothing acknowledged is lost. The disk is simulated (<see cref="StoreOptions.SimulatedDiskBytes"/>,
/// filled with a sparse file in the data folder) or fails every device write (<c>FailWritesForTests</c>);
/// <c>DiskFullProcessTests</c> does the same to the real server, on a real small file system too.
/// </summary>
public class DiskFullTests
{
    private const long SimulatedDisk = 400L << 20;

    private static Task<TestStore> OpenOnSimulatedDiskAsync() =>
        TestStore.OpenAsync(configure: o => o with { SimulatedDiskBytes = SimulatedDisk });

    private static async Task<long[]> TableAndViewAsync(TestStore t)
    {
        await t.ImportAsync("g", ("a", [1f, 2f]), ("b", [3f, 4f]));
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create));
        return t.Store.Resolve("v", ["a", "@user"], UnknownPolicy.Default).Ids;
    }

    /// <summary>Leaves <paramref name="freeBytes"/> free on the simulated disk, and waits until the guard has measured it.</summary>
    private static async Task LeaveFreeAsync(TestStore t, long freeBytes)
    {
        var filler = Path.Combine(t.DataDir, "filler");
        if (File.Exists(filler)) File.Delete(filler);
        var used = Directory.EnumerateFiles(t.DataDir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        using (var file = File.Create(filler)) file.SetLength(Math.Max(0, SimulatedDisk - used - freeBytes));
        await Task.Delay(DiskSpaceRefresh);
    }

    private static readonly TimeSpan DiskSpaceRefresh = EmbeddingStore.Core.Storage.DiskSpace.RefreshInterval * 2;

    private static StoreException Refused(Action write)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<StoreException>(write);
        Assert.Equal(StoreError.ResourceExhausted, e.Error);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"refused after {clock.ElapsedMilliseconds} ms");
        return e;
    }

    private static StoreException RefusedAsync(Func<Task> write) => Refused(() => write().GetAwaiter().GetResult());

    [Fact]
    public async Task LessFreeThanTheReserve_WritesRefusedAtOnce_ReadsServed_AcceptedAgainOnceFreed()
    {
        await using var t = await OpenOnSimulatedDiskAsync();
        var ids = await TableAndViewAsync(t);
        var reserve = t.Store.DiskForTests.Needed;
        Assert.Null(t.Store.WriteRefusal);

        // Room for a checkpoint, not for writes.
        await LeaveFreeAsync(t, reserve.CheckpointBytes + (reserve.WriteBytes - reserve.CheckpointBytes) / 2);
        var push = RefusedAsync(() => t.Store.PushAsync("v", PushKind.Delta, ids, new float[4], false, durable: true, default).AsTask());
        Assert.Contains(t.DataDir, push.Message);
        Assert.Contains("MiB free", push.Message);
        Assert.Contains("for a checkpoint", push.Message);
        Refused(() => t.Store.Resolve("v", ["new-token"], UnknownPolicy.Create));
        Refused(() => t.Store.CreateView(new ViewSpec("w", "g", null, TrainMode.Overlay, UnknownPolicy.Create)));
        Refused(() => t.Store.CreateTable("e", 2));
        RefusedAsync(() => t.Store.CreateSnapshotAsync("v", "s", default));
        RefusedAsync(() => t.ImportAsync("h", ("x", [5f, 6f])));
        Assert.NotNull(t.Store.WriteRefusal);
        // Reads, and resolving tokens the view has, go on; so does a checkpoint, which has its room.
        Assert.Equal(ids, t.Store.Resolve("v", ["a", "@user"], UnknownPolicy.Create).Ids);
        Assert.Equal([1f, 2f], Pull(t.Store, "v", ids[0]));
        await t.Store.CheckpointAsync(default);

        await LeaveFreeAsync(t, reserve.CheckpointBytes / 2);
        var checkpoint = RefusedAsync(() => t.Store.CheckpointAsync(default));
        Assert.StartsWith("checkpoints are refused", checkpoint.Message);

        await LeaveFreeAsync(t, reserve.WriteBytes + (64L << 20));
        Assert.Null(t.Store.WriteRefusal);
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default);
        Assert.Equal([2f, 3f], Pull(t.Store, "v", ids[0]));
        Assert.DoesNotContain(t.Store.ListTables(), table => table.Name == "h");
    }

    [Fact]
    public async Task DeviceWritesFail_WritesRefusedUntilRestart_AcknowledgedPushesRecovered()
    {
        await using var t = await TestStore.OpenAsync();
        var ids = await TableAndViewAsync(t);
        await t.Store.CheckpointAsync(default);
        for (var i = 0; i < 5; i++)
            await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default);

        t.Store.DiskForTests.FailWritesForTests = true;
        // This push's write-ahead log write fails: it is not acknowledged, and every write after it is refused.
        var failed = await Assert.ThrowsAsync<StoreException>(() =>
            t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default).AsTask());
        Assert.Equal(StoreError.ResourceExhausted, failed.Error);
        Assert.Contains("No space left on device", failed.Message);
        var refused = RefusedAsync(() => t.Store.PushAsync("v", PushKind.Delta, ids, new float[4], false, durable: false, default).AsTask());
        Assert.Contains("restarted", refused.Message);
        RefusedAsync(() => t.Store.CheckpointAsync(default));
        var pulled = Pull(t.Store, "v", ids[0]);
        Assert.True(pulled[0] is 6f or 7f, $"{pulled[0]}");

        // A crash now (the folder as it is), then a restart with room: every acknowledged push is there.
        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            var after = Pull(recovered, "v", ids[0]);
            Assert.True(after[0] is 6f or 7f, $"{after[0]}: 5 pushes acknowledged");
            Assert.Null(recovered.WriteRefusal);
            await recovered.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default);
            await recovered.CheckpointAsync(default);
        }
        finally { Directory.Delete(copy, true); }
        t.Store.DiskForTests.FailWritesForTests = false;
    }

    [Fact]
    public async Task CheckpointWhoseWritesFail_PreviousCheckpointStaysUsable()
    {
        await using var t = await TestStore.OpenAsync();
        var ids = await TableAndViewAsync(t);
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default);
        await t.Store.CheckpointAsync(default);
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 1, 1 }, false, durable: true, default);

        t.Store.CheckpointStartingForTests = () =>
        {
            t.Store.DiskForTests.FailWritesForTests = true;
            return Task.CompletedTask;
        };
        var failed = await Assert.ThrowsAsync<StoreException>(() => t.Store.CheckpointAsync(default)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(StoreError.ResourceExhausted, failed.Error);

        var copy = CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal([3f, 4f], Pull(recovered, "v", ids[0]));
        }
        finally { Directory.Delete(copy, true); }
        t.Store.CheckpointStartingForTests = null;
        t.Store.DiskForTests.FailWritesForTests = false;
    }
}
