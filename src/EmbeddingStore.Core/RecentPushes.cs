using System.Buffers.Binary;
using System.Text;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// The request ids of the last <see cref="Capacity"/> pushes that carried one, with their answers, so that a retry
/// is answered instead of applied again. Durable: each answer is a record in a ring of <see cref="Capacity"/> slots
/// (key 'P' + slot), written through the write-ahead log after the push's rows and before its durable commit, and
/// read back when the store opens. Pushes with the same id at once: the second waits for the first's answer.
/// </summary>
/// <remarks>
/// Slot record: [version:8][sequence:8][idLength:4][id][applied:4][lastVersion:8][durable:1][rejected:4], then per
/// rejected row [id:8][reasonLength:4][reason UTF-8].
/// </remarks>
internal sealed class RecentPushes
{
    public const int MaxIdBytes = 64;
    public const int Capacity = 65_536;

    /// <summary>
    /// Rejected rows kept with a remembered answer: a push may reject up to <c>--max-rows-per-request</c> rows, and
    /// 65,536 answers of 100,000 rejections each would hold hundreds of GB. A replayed answer lists the first ones.
    /// </summary>
    public const int MaxRememberedRejections = 16;

    /// <summary>Reading back stops after this many absent slots in a row.</summary>
    private const int MaxGapInSlots = 1_024;

    private readonly object _lock = new();
    private readonly Dictionary<string, (int Slot, PushResult Answer)> _answered = [];
    private readonly string?[] _slots = new string?[Capacity];
    private readonly Dictionary<string, TaskCompletionSource<PushResult>> _running = [];
    private long _next;

    /// <summary>The remembered answer; else the attempt already running with this id; else this attempt, registered.</summary>
    public (PushResult? Answer, Task<PushResult>? Earlier, TaskCompletionSource<PushResult>? Mine) Begin(string key)
    {
        lock (_lock)
        {
            if (_answered.TryGetValue(key, out var known)) return (known.Answer, null, null);
            if (_running.TryGetValue(key, out var running)) return (null, running.Task, null);
            var mine = new TaskCompletionSource<PushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            _running[key] = mine;
            return (null, null, mine);
        }
    }

    /// <summary>A failed attempt: the id is free again, and attempts waiting on this one try for themselves.</summary>
    public void Abandon(string key, TaskCompletionSource<PushResult> mine, Exception error)
    {
        lock (_lock)
        {
            if (_running.TryGetValue(key, out var running) && running == mine) _running.Remove(key);
        }
        mine.TrySetException(error);
    }

    /// <summary>Records the answer of an applied push (in its slot record, through the write-ahead log).</summary>
    public void Remember(string key, ReadOnlySpan<byte> id, PushResult answer, Store store)
    {
        if (answer.Rejected.Count > MaxRememberedRejections) answer = answer with { Rejected = [.. answer.Rejected.Take(MaxRememberedRejections)] };
        int slot;
        long sequence;
        lock (_lock)
        {
            sequence = _next++;
            slot = (int)(sequence % Capacity);
            if (_slots[slot] is { } previous) _answered.Remove(previous);
            _slots[slot] = key;
            _answered[key] = (slot, answer);
            _running.Remove(key);
        }
        store.WriteRecentPush(SlotKey(slot), Encode(sequence, id, answer));
    }

    /// <summary>Reads the slots back (the store opening).</summary>
    public void Load(IRecordStore records)
    {
        var buffer = new byte[1 << 16];
        var found = new List<(long Sequence, int Slot, string Key, PushResult Answer)>();
        // Slots are taken in order from 0 and never deleted, so the scan ends well past the last one present: a gap of
        // a few slots is possible (a crash can keep a later slot's log entry and lose an earlier one's).
        for (int slot = 0, missing = 0; slot < Capacity && missing < MaxGapInSlots; slot++)
        {
            var length = records.Read(SlotKey(slot), buffer);
            if (length < 0)
            {
                missing++;
                continue;
            }
            missing = 0;
            if (length > buffer.Length)
            {
                buffer = new byte[length];
                length = records.Read(SlotKey(slot), buffer);
            }
            var (sequence, key, answer) = Decode(buffer.AsSpan(0, length));
            found.Add((sequence, slot, key, answer));
        }
        lock (_lock)
        {
            foreach (var (sequence, slot, key, answer) in found.OrderBy(f => f.Sequence))
            {
                if (_slots[slot] is { } previous) _answered.Remove(previous);
                _slots[slot] = key;
                _answered[key] = (slot, answer);
                _next = Math.Max(_next, sequence + 1);
            }
        }
    }

    public int Count
    {
        get { lock (_lock) return _answered.Count; }
    }

    private static byte[] SlotKey(int slot)
    {
        var key = new byte[5];
        key[0] = Keys.RecentPush;
        BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(1), slot);
        return key;
    }

    private static byte[] Encode(long sequence, ReadOnlySpan<byte> id, PushResult answer)
    {
        var reasons = answer.Rejected.Select(r => Encoding.UTF8.GetBytes(r.Reason)).ToList();
        var value = new byte[8 + 8 + 4 + id.Length + 4 + 8 + 1 + 4 + reasons.Sum(r => 12 + r.Length)];
        var at = 8;
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(at), sequence);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(at += 8), id.Length);
        id.CopyTo(value.AsSpan(at += 4));
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(at += id.Length), answer.Applied);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(at += 4), answer.Version);
        value[at += 8] = answer.Durable ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(at += 1), reasons.Count);
        at += 4;
        for (var i = 0; i < reasons.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(at), answer.Rejected[i].Id);
            BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(at + 8), reasons[i].Length);
            reasons[i].CopyTo(value.AsSpan(at + 12));
            at += 12 + reasons[i].Length;
        }
        return value;
    }

    private static (long Sequence, string Key, PushResult Answer) Decode(ReadOnlySpan<byte> value)
    {
        var at = 8;
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(value[at..]);
        var idLength = BinaryPrimitives.ReadInt32LittleEndian(value[(at += 8)..]);
        var key = Convert.ToHexString(value.Slice(at += 4, idLength));
        var applied = BinaryPrimitives.ReadInt32LittleEndian(value[(at += idLength)..]);
        var version = BinaryPrimitives.ReadInt64LittleEndian(value[(at += 4)..]);
        var durable = value[at += 8] == 1;
        var count = BinaryPrimitives.ReadInt32LittleEndian(value[(at += 1)..]);
        at += 4;
        var rejected = new List<RejectedRow>(count);
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(value[(at + 8)..]);
            rejected.Add(new RejectedRow(BinaryPrimitives.ReadInt64LittleEndian(value[at..]), Encoding.UTF8.GetString(value.Slice(at + 12, length))));
            at += 12 + length;
        }
        return (sequence, key, new PushResult(applied, rejected, version, durable));
    }
}
