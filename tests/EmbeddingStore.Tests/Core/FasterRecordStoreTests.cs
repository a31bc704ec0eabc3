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

    /// <summary>
    /// Pairs of 4-byte keys that share a hash entry (the same bucket of 1,024 and the same 14-bit tag), so each pair is
    /// one chain: the first of a pair is then never the head of its chain.
    /// </summary>
    private static unsafe int[] CollidingPairs(int pairs)
    {
        var first = new Dictionary<long, int>();
        var keys = new List<int>();
        for (var k = 0; keys.Count < 2 * pairs; k++)
        {
            var bytes = Key(k);
            long hash;
            fixed (byte* p = bytes)
            {
                var span = FASTER.core.SpanByte.FromPointer(p, bytes.Length);
                hash = FASTER.core.SpanByteComparer.StaticGetHashCode64(ref span);
            }
            var entry = (hash & 1023) | ((long)((ulong)hash >> 50) << 10);
            if (first.Remove(entry, out var other)) keys.AddRange([other, k]);
            else first[entry] = k;
        }
        return [.. keys];
    }

    [Theory]
    [InlineData(256L << 10, 14, false)] // most of the part compacted is on disk
    [InlineData(64L << 20, 16, true)] // all of it is in memory, read-only
    public async Task Compact_KeepsEachKeysNewestValue_DeletedKeysStayDeleted(long memory, int pageBits, bool allReadOnly)
    {
        // Keys in pairs that share a hash entry's chain: whether a record is still its key's newest then often takes a
        // walk of the chain on disk, where FASTER does not say which record a read found. In memory, the walk passes
        // the newer key of a pair to reach the other's record (FASTER 2.6.5 failed that read with a NullReferenceException
        // when it stopped at a record still in memory).
        var keys = CollidingPairs(3_000);
        var options = new StoreOptions
        {
            DataDir = Path.Combine(Path.GetTempPath(), "embstore-faster-" + Guid.NewGuid().ToString("N")),
            MemoryBudgetBytes = memory,
            PageSizeBits = pageBits,
            IndexBuckets = 1 << 10,
            LogSegmentBits = 20,
        };
        int Expected(int i) => i % 7 == 0 ? -1 : i % 3 == 0 ? 3 : 2;
        void AssertCounts(FasterRecordStore store)
        {
            var value = new byte[64];
            for (var i = 0; i < keys.Length; i++)
            {
                var length = store.Read(Key(keys[i]), value);
                Assert.True(Expected(i) == (length < 0 ? -1 : BitConverter.ToInt32(value)), $"key {keys[i]}: length {length}, count {BitConverter.ToInt32(value)}");
            }
        }
        try
        {
            await using (var store = await FasterRecordStore.OpenAsync(options, NullLogger.Instance, default))
            {
                var addOne = new AddOne();
                var scratch = new byte[64];
                foreach (var k in keys) store.Upsert(Key(k), new byte[64]);
                store.FlushWrittenRecords();
                for (var round = 0; round < 2; round++)
                    foreach (var k in keys) store.Update(Key(k), default, addOne, scratch);
                for (var i = 0; i < keys.Length; i += 7) store.Delete(Key(keys[i]));
                for (var i = 0; i < keys.Length; i += 3) store.Update(Key(keys[i]), default, addOne, scratch); // deleted ones stay absent
                if (allReadOnly) store.FlushWrittenRecords();
                var logBefore = store.LogBytes;

                var result = store.Compact(_ => false, default);

                Assert.True(result.RecordsCopied > 0 && store.LogBytes < logBefore / 2, $"{result}, log {logBefore} -> {store.LogBytes}");
                AssertCounts(store);
                await store.CheckpointAsync(default);
            }
            await using var reopened = await FasterRecordStore.OpenAsync(options, NullLogger.Instance, default);
            AssertCounts(reopened);
        }
        finally { Directory.Delete(options.DataDir, true); }
    }
}
