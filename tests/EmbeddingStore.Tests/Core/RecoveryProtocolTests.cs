using System.Reflection;
using EmbeddingStore.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// The recovery protocol's promises, each against a crash simulated by copying the data folder of a running store:
/// versions only grow, a push with a request id is applied once (also across a crash), a refused request writes nothing.
/// </summary>
public class RecoveryProtocolTests
{
    /// <summary>No periodic flush: what reaches the write-ahead log's disk is what a durable write or a checkpoint commits.</summary>
    private static Task<TestStore> OpenWithoutFlushAsync() =>
        TestStore.OpenAsync(configure: o => o with { WalFlushInterval = TimeSpan.Zero, CheckpointInterval = TimeSpan.Zero });

    private static async Task<long> OverlayRowAsync(TestStore t)
    {
        await t.ImportAsync("g", ("a", [1f, 2f]), ("b", [3f, 4f]));
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        return t.Store.Resolve("v", ["x"], UnknownPolicy.Default).Ids[0];
    }

    /// <summary>FASTER's checkpoint alone, without the write-ahead log's commit that Store.CheckpointAsync ends with.</summary>
    private static Task<string> RecordStoreCheckpointAsync(Store store)
    {
        var records = typeof(Store).GetField("_records", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(store)!;
        return (Task<string>)records.GetType().GetMethod("CheckpointAsync")!.Invoke(records, [CancellationToken.None])!;
    }

    private static float[] Pull(Store store, long id)
    {
        var vector = new float[2];
        store.Pull("v", [id], vector, new RowMeta[1]);
        return vector;
    }

    [Fact]
    public async Task Crash_CheckpointHoldsAWriteWhoseLogEntryWasLost_LaterDurablePushesAreNotSkippedByTheNextReplay()
    {
        await using var t = await OpenWithoutFlushAsync();
        var x = await OverlayRowAsync(t);
        await t.Store.CheckpointAsync(default);
        var before = Pull(t.Store, x);
        // A default push: in FASTER's checkpoint below, while its log entry never reaches the disk.
        var lost = await t.Store.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 1, 1 }, false, durable: false, default);
        await RecordStoreCheckpointAsync(t.Store);
        var first = DurabilityTests.CopyDataDir(t.DataDir);
        string? second = null;
        try
        {
            await using (var recovered = await Store.OpenAsync(t.Options with { DataDir = first }, NullLoggerFactory.Instance, default))
            {
                Assert.True(recovered.Version > lost.Version, $"recovered at version {recovered.Version}, below {lost.Version} handed out before the crash");
                var pushed = await recovered.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 10, 10 }, false, durable: true, default);
                Assert.True(pushed.Version > lost.Version);
                second = DurabilityTests.CopyDataDir(first);
            }
            await using var again = await Store.OpenAsync(t.Options with { DataDir = second }, NullLoggerFactory.Instance, default);
            // The checkpoint held the default push (+1); the durable push (+10) was acknowledged and must be there.
            Assert.Equal(before[0] + 11, Pull(again, x)[0]);
        }
        finally
        {
            Directory.Delete(first, true);
            if (second is not null) Directory.Delete(second, true);
        }
    }

    [Fact]
    public async Task RequestId_RepeatedAfterACrash_AppliedOnceAndAnsweredWithTheFirstAnswer()
    {
        await using var t = await TestStore.OpenAsync();
        var x = await OverlayRowAsync(t);
        var before = Pull(t.Store, x);
        var id = Guid.NewGuid().ToByteArray();
        var first = await t.Store.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 1, 1 }, false, durable: true, default, requestId: id);
        Assert.False(first.Replayed);
        var repeat = await t.Store.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 1, 1 }, false, durable: true, default, requestId: id);
        Assert.True(repeat.Replayed);
        Assert.Equal(first with { Replayed = true }, repeat);
        Assert.Equal(before[0] + 1, Pull(t.Store, x)[0]);

        var copy = DurabilityTests.CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            var rowsAfter = new float[2];
            var afterCrash = await recovered.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 1, 1 }, false, durable: true, default,
                rowsAfter, id);
            Assert.True(afterCrash.Replayed);
            Assert.Equal(first.Version, afterCrash.Version);
            Assert.Equal(before[0] + 1, Pull(recovered, x)[0]);
            Assert.Equal(Pull(recovered, x), rowsAfter); // a replayed answer's rows are the rows' current values
            var other = await recovered.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 1, 1 }, false, durable: true, default,
                requestId: Guid.NewGuid().ToByteArray());
            Assert.False(other.Replayed);
            Assert.Equal(before[0] + 2, Pull(recovered, x)[0]);
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public async Task RequestId_SentManyTimesAtOnce_AppliedOnce()
    {
        await using var t = await TestStore.OpenAsync();
        var x = await OverlayRowAsync(t);
        var before = Pull(t.Store, x);
        var id = Guid.NewGuid().ToByteArray();
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
            await t.Store.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 1, 1 }, false, durable: true, default, requestId: id))));
        Assert.Single(answers, a => !a.Replayed);
        Assert.Equal(before[0] + 1, Pull(t.Store, x)[0]);
    }

    [Fact]
    public async Task RequestId_LongerThan64Bytes_Refused()
    {
        await using var t = await TestStore.OpenAsync();
        var x = await OverlayRowAsync(t);
        var e = await Assert.ThrowsAsync<StoreException>(async () =>
            await t.Store.PushAsync("v", PushKind.Delta, new long[] { x }, new float[] { 1, 1 }, false, false, default, requestId: new byte[65]));
        Assert.Equal(StoreError.InvalidArgument, e.Error);
    }

    [Fact]
    public async Task Resolve_EmptyTokenAfterNewOnes_RefusedAndCreatesNothing()
    {
        await using var t = await TestStore.OpenAsync();
        await OverlayRowAsync(t);
        var e = Assert.Throws<StoreException>(() => t.Store.Resolve("v", ["new1", "new2", ""], UnknownPolicy.Create));
        Assert.Equal(StoreError.InvalidArgument, e.Error);
        Assert.Throws<StoreException>(() => t.Store.Resolve("v", ["new1"], UnknownPolicy.Fail));
    }
}
