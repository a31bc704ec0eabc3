using System.Reflection;
using EmbeddingStore.Core.Storage;
using FASTER.core;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// Walks a <see cref="FasterRecordStore"/>'s log, in memory and in its file, the way FASTER 2.6.5 does when it flushes
/// a snapshot page or recovers (each record's size from its key's and value's lengths), but checks every length before
/// following it, so a record with a false length is reported instead of crashing the test process. Reads FASTER's
/// allocator through reflection: the walk exists only to test the store. Call it with no writes running.
/// </summary>
internal static class FasterLogWalk
{
    public sealed record Result(long Records, long Invalid, string? FirstProblem);

    private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
    private const int LengthMask = 0x3FFFFFFF; // a SpanByte's length without its two flag bits
    private const long ValidBit = 1L << 56;   // RecordInfo's Valid bit in FASTER 2.6.5

    /// <summary>Every record from the log's beginning to its tail: from the log file below the head, from memory above.</summary>
    public static unsafe Result Walk(FasterRecordStore store, string dataDir, int maxKeyBytes)
    {
        var kv = typeof(FasterRecordStore).GetField("_kv", Any)!.GetValue(store)!;
        var log = typeof(FasterKV<SpanByte, SpanByte>).GetField("hlog", Any)!.GetValue(kv)!;
        long Read(string field)
        {
            for (var type = log.GetType(); type is not null; type = type.BaseType)
                if (type.GetField(field, Any) is { } f) return Convert.ToInt64(f.GetValue(log));
            throw new MissingFieldException(field);
        }
        var physical = log.GetType().GetMethod("GetPhysicalAddress", [typeof(long)])!;
        var pageBits = (int)Read("LogPageSizeBits");
        var begin = Read("BeginAddress");
        var head = Math.Max(begin, Read("HeadAddress"));
        var tail = (long)log.GetType().GetMethod("GetTailAddress")!.Invoke(log, null)!;
        var total = new Result(0, 0, null);

        if (head > begin)
        {
            // The log file's first segment (1 GB) holds logical addresses at their own offsets.
            using var file = File.OpenRead(Path.Combine(dataDir, "log", "hlog.log.0"));
            var page = new byte[1 << pageBits];
            for (var number = begin >> pageBits; number << pageBits < head && total.FirstProblem is null; number++)
            {
                file.Position = number << pageBits;
                file.ReadAtLeast(page, page.Length, throwOnEndOfStream: false);
                var from = Math.Max(begin, number << pageBits);
                var until = Math.Min(head, (number + 1) << pageBits);
                fixed (byte* start = page)
                    total = Add(total, WalkRange(start + (from - (number << pageBits)), from, until, maxKeyBytes));
            }
        }
        for (var number = head >> pageBits; number << pageBits < tail && total.FirstProblem is null; number++)
        {
            var from = Math.Max(head, number << pageBits);
            var until = Math.Min(tail, (number + 1) << pageBits);
            total = Add(total, WalkRange((byte*)(long)physical.Invoke(log, [from])!, from, until, maxKeyBytes));
        }
        return total;
    }

    private static Result Add(Result a, Result b) => new(a.Records + b.Records, a.Invalid + b.Invalid, a.FirstProblem ?? b.FirstProblem);

    /// <summary>Records of one page from logical address <paramref name="from"/> (at <paramref name="first"/>) to <paramref name="until"/>.</summary>
    private static unsafe Result WalkRange(byte* first, long from, long until, int maxKeyBytes)
    {
        long records = 0, invalid = 0;
        var end = first + (until - from);
        for (var p = first; p < end;)
        {
            var info = *(long*)p;
            if (info == 0) { p += 8; continue; } // unused space (FASTER's null record)
            var address = from + (p - first);
            records++;
            if ((info & ValidBit) == 0) invalid++;
            var keyBytes = *(int*)(p + 8) & LengthMask;
            if (keyBytes > maxKeyBytes)
                return new(records, invalid, $"record at {address}: key length {keyBytes} (RecordInfo {info:X16})");
            var valueAt = 8 + ((4 + keyBytes + 7) & ~7);
            if (p + valueAt + 4 > end)
                return new(records, invalid, $"record at {address}: its value starts past the page's end");
            var size = (valueAt + 4 + (*(int*)(p + valueAt) & LengthMask) + 7) & ~7;
            if (p + size > end)
                return new(records, invalid, $"record at {address}: {size} bytes run past the page's end");
            p += size;
        }
        return new(records, invalid, null);
    }
}
