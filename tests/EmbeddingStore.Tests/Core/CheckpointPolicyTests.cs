using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// When the write-ahead log triggers a checkpoint: past the configured size and past the smaller of the store's own log
/// and its memory.
/// </summary>
public class CheckpointPolicyTests
{
    /// <summary>
    /// A store checkpointing on a 64 KB write-ahead log and flushing it every 10 ms (unless <paramref name="configure"/>
    /// says otherwise), with a 32-d table <c>g</c> and a fine-tune view <c>v</c> (new rows zero); returns the ids of the
    /// first 50 rows.
    /// </summary>
    private static async Task<(TestStore Store, long[] Ids)> OpenWithTableAndViewAsync(Func<StoreOptions, StoreOptions> configure,
        int tableRows = 20_000)
    {
        var t = await TestStore.OpenAsync(configure: o => configure(o with
        {
            WalCheckpointBytes = 64 << 10,
            WalFlushInterval = TimeSpan.FromMilliseconds(10),
        }));
        var rows = Enumerable.Range(0, tableRows).Select(i => ($"w{i}", Enumerable.Repeat(0.5f, 32).ToArray())).ToArray();
        await t.ImportAsync("g", rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Fail, InitKind.Zeros));
        return (t, t.Store.Resolve("v", [.. rows.Take(50).Select(r => r.Item1)], UnknownPolicy.Default).Ids);
    }

    [Fact]
    public async Task WalCheckpoint_WaitsUntilTheLogIsAsLargeAsTheStore_ThenRetiresIt()
    {
        var (t, ids) = await OpenWithTableAndViewAsync(o => o);
        await using var _ = t;
        // Pushes go to 50 rows only: after their first update (the fine-tune copies) they change in place, so the
        // write-ahead log grows while the store's log stays the same size.
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[ids.Length * 32], false, false, CancellationToken.None);
        var storeLog = t.Store.LogBytes;
        Assert.True(storeLog > 4 * (64 << 10), $"the store's log ({storeLog} B) should be well past the configured size");

        // Past the configured 64 KB but short of the store's log: no checkpoint, the write-ahead log keeps growing.
        async Task PushUntil(long walBytes)
        {
            while (t.Store.WalBytes <= walBytes)
                await t.Store.PushAsync("v", PushKind.Delta, ids, new float[ids.Length * 32], false, false, CancellationToken.None);
        }
        await PushUntil(storeLog / 2);
        var grown = t.Store.WalBytes;
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(10);
            Assert.True(t.Store.WalBytes >= grown, "a checkpoint retired the write-ahead log before it reached the store's size");
        }

        // Past the store's log: the next flush round checkpoints and retires it.
        await PushUntil(t.Store.LogBytes);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (t.Store.WalBytes > storeLog / 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(t.Store.WalBytes <= storeLog / 2, $"no checkpoint: write-ahead log {t.Store.WalBytes} B, store log {t.Store.LogBytes} B");
    }

    [Fact]
    public async Task WalCheckpoint_StoreLargerThanItsMemory_TriggeredOnceTheLogPassesTheMemory()
    {
        // A checkpoint copies at most the log's memory, so a store whose log is larger does not wait for the
        // write-ahead log to reach the whole log's size (which would make replay after a crash as long).
        const long memory = 1 << 20;
        var (t, ids) = await OpenWithTableAndViewAsync(o => o with { MemoryBudgetBytes = memory, PageSizeBits = 16 });
        await using var _ = t;
        var storeLog = t.Store.LogBytes;
        Assert.True(storeLog > 3 * memory, $"the store's log ({storeLog} B) should be well past its 1 MiB of memory");

        // Push until the write-ahead log has just passed the memory (a third of the store's log), then stop: the next
        // flush round must checkpoint and retire it.
        while (t.Store.WalBytes <= memory)
            await t.Store.PushAsync("v", PushKind.Delta, ids, new float[ids.Length * 32], false, false, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (t.Store.WalBytes > memory / 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(t.Store.WalBytes <= memory / 2, $"no checkpoint: write-ahead log {t.Store.WalBytes} B, store log {t.Store.LogBytes} B");
    }

    [Fact]
    public async Task WhileACheckpointRuns_DefaultPushesStillReachTheDisk()
    {
        var flush = TimeSpan.FromMilliseconds(20);
        var (t, ids) = await OpenWithTableAndViewAsync(o => o with { WalFlushInterval = flush, CheckpointInterval = TimeSpan.Zero }, 2_000);
        await using var _ = t;
        async Task Push() => await t.Store.PushAsync("v", PushKind.Delta, ids, new float[ids.Length * 32], false, false, CancellationToken.None);

        // The checkpoint the write-ahead log's size starts is held where it begins, as a slow disk would hold it.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.Store.CheckpointStartingForTests = () =>
        {
            held.TrySetResult();
            return release.Task;
        };
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!held.Task.IsCompleted && DateTime.UtcNow < deadline)
            {
                await Push();
                if (t.Store.WalBytes > t.Store.LogBytes) await Task.Delay(flush);
            }
            Assert.True(held.Task.IsCompleted, "the write-ahead log's size never started a checkpoint");

            // Meanwhile a default push is acknowledged and then flushed by the periodic flush, checkpoint or not.
            await Push();
            var (tail, _) = t.Store.WalAddressesForTests;
            deadline = DateTime.UtcNow.AddSeconds(10);
            while (t.Store.WalAddressesForTests.Committed < tail && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.True(t.Store.WalAddressesForTests.Committed >= tail,
                $"the write-ahead log stayed unflushed while a checkpoint ran: committed until {t.Store.WalAddressesForTests.Committed}, push ends at {tail}");
        }
        finally { release.TrySetResult(); }
    }
}
