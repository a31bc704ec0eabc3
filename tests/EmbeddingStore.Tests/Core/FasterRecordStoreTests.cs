using System.Runtime.InteropServices;
using EmbeddingStore.Core;
using EmbeddingStore.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>The FASTER layer alone: what concurrent writers leave in its log.</summary>
public class FasterRecordStoreTests
{
    private sealed class AddOne : IRecordUpdater
    {
        public void Apply(Span<byte> value) => MemoryMarshal.Cast<byte, int>(value)[0]++;
    }

    private static byte[] Key(int k) => BitConverter.GetBytes(k);

    private static int Count(FasterRecordStore store, int k)
    {
        var value = new byte[1024];
        Assert.Equal(value.Length, store.Read(Key(k), value));
        return BitConverter.ToInt32(value);
    }

    [Theory]
    [InlineData(64L << 20, 20)]
    [InlineData(256L << 10, 15)] // a log many times its memory: updates copy records that are being evicted
    public async Task ConcurrentUpdatesOfReadOnlyRecords_LeaveALogFasterCanWalk_AndLoseNoUpdate(long memory, int pageBits)
    {
        // Every key read-only, then 4 writers update the same keys in the same order, so two of them often copy one
        // record at once: in FASTER 2.6.5 the loser of that race left a record with a false key length, and FASTER's
        // own walks of the log (a snapshot checkpoint's flush, recovery) crashed the process on it.
        const int keys = 4000, writers = 4, rounds = 4;
        var options = new StoreOptions
        {
            DataDir = Path.Combine(Path.GetTempPath(), "embstore-faster-" + Guid.NewGuid().ToString("N")),
            MemoryBudgetBytes = memory,
            PageSizeBits = pageBits,
            IndexBuckets = 1 << 14,
        };
        try
        {
            await using (var store = await FasterRecordStore.OpenAsync(options, NullLogger.Instance, default))
            {
                for (var k = 0; k < keys; k++) store.Upsert(Key(k), new byte[1024]);
                for (var round = 0; round < rounds; round++)
                {
                    store.FlushWrittenRecords();
                    using var start = new Barrier(writers);
                    var threads = Enumerable.Range(0, writers).Select(_ => new Thread(() =>
                    {
                        var scratch = new byte[1024];
                        var addOne = new AddOne();
                        start.SignalAndWait();
                        for (var k = 0; k < keys; k++) store.Update(Key(k), default, addOne, scratch);
                    })).ToList();
                    threads.ForEach(t => t.Start());
                    threads.ForEach(t => t.Join());
                }
                var walk = FasterLogWalk.Walk(store, options.DataDir, maxKeyBytes: sizeof(int));
                Assert.Null(walk.FirstProblem);
                Assert.True(walk.Records >= keys * (rounds + 1), $"{walk.Records} records walked");
                for (var k = 0; k < keys; k++) Assert.Equal(writers * rounds, Count(store, k));
                await store.CheckpointAsync(default);
            }
            // Recovery walks the log as well.
            await using var reopened = await FasterRecordStore.OpenAsync(options, NullLogger.Instance, default);
            for (var k = 0; k < keys; k++) Assert.Equal(writers * rounds, Count(reopened, k));
        }
        finally { Directory.Delete(options.DataDir, true); }
    }
}
