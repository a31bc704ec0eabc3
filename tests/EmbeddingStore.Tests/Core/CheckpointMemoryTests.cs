using System.Diagnostics.Metrics;
using EmbeddingStore.Core;
using EmbeddingStore.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// While a checkpoint runs, the log must not evict the pages the checkpoint is writing (FASTER 2.6.5 reads them
/// again when each write completes; an evicted page killed the process). Writes that could evict them wait.
/// </summary>
public sealed class CheckpointMemoryTests : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embstore-test-" + Guid.NewGuid().ToString("N"));
    private FasterRecordStore? _records;

    public async ValueTask DisposeAsync()
    {
        if (_records is not null) await _records.DisposeAsync();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static void Write(FasterRecordStore records, int i)
    {
        var value = new byte[200];
        value[0] = (byte)i;
        records.Upsert(BitConverter.GetBytes((long)i), value);
    }

    [Fact]
    public async Task DuringACheckpoint_WritesWhileTheLogIsFarFromFillingItsMemory_NeverWait()
    {
        var options = new StoreOptions { DataDir = _dir, MemoryBudgetBytes = 64 << 10, PageSizeBits = 12, IndexBuckets = 1 << 10 };
        var records = _records = await FasterRecordStore.OpenAsync(options, NullLogger.Instance, default);
        for (var i = 0; i < 20; i++) Write(records, i);
        using (records.CheckpointWindowForTests())
        {
            // 40 more records of about 230 bytes: the log stays well inside its 64 KiB, so nothing can be evicted.
            var writes = Task.Run(() =>
            {
                for (var i = 20; i < 60; i++) Write(records, i);
            });
            await writes.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task DuringACheckpoint_AWriteThatCouldEvictItsPages_WaitsForItsEnd()
    {
        // 64 KiB of log memory in 4 KiB pages: a few hundred records fill it.
        var options = new StoreOptions { DataDir = _dir, MemoryBudgetBytes = 64 << 10, PageSizeBits = 12, IndexBuckets = 1 << 10 };
        var records = _records = await FasterRecordStore.OpenAsync(options, NullLogger.Instance, default);
        var held = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "embstore.checkpoint.held_write") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref held));
        listener.Start();
        var written = 0;
        // Before any checkpoint, the log fills its memory and evicts pages to disk as it must.
        for (; written < 1000; written++) Write(records, written);

        Task blocked;
        using (records.CheckpointWindowForTests())
        {
            // Writes go on at once while the tail is short of the point where the log would evict a page the
            // checkpoint began with...
            while (records.CheckpointWindowForTestsAddresses is var (tail, waitsFrom) && tail + 512 < waitsFrom)
                Write(records, written++);
            // ...and the next few reach it and wait.
            var first = written;
            blocked = Task.Run(() =>
            {
                for (var i = first; i < first + 4; i++) Write(records, i);
            });
            written += 4;
            await Task.Delay(300);
            Assert.False(blocked.IsCompleted, "a write that could evict the checkpoint's pages did not wait");
        }
        await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Volatile.Read(ref held) >= 1, "the held write was not recorded in embstore.checkpoint.held_write");

        var read = new byte[200];
        for (var i = 0; i < written; i++)
        {
            Assert.Equal(200, records.Read(BitConverter.GetBytes((long)i), read));
            Assert.Equal((byte)i, read[0]);
        }
    }
}
