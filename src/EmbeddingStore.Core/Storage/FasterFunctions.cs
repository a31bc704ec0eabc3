using FASTER.core;

namespace EmbeddingStore.Core.Storage;

internal unsafe struct FasterInput
{
    public byte* Initial;
    public int InitialLength;
    public IRecordUpdater? Updater;
}

internal unsafe struct FasterOutput
{
    public byte* Destination;
    public int Capacity;
    public int Length;
    public bool Created;
}

/// <summary>The record length FASTER allocates for an RMW: the initial value's, or the existing one's.</summary>
internal struct FasterValueLength : IVariableLengthStruct<SpanByte, FasterInput>
{
    public int GetInitialLength(ref FasterInput input) => sizeof(int) + input.InitialLength;
    public int GetLength(ref SpanByte t, ref FasterInput input) => t.TotalSize;
}

/// <summary>
/// FASTER callbacks. Reads copy the value out; RMW creates from the input's initial bytes and then
/// lets the updater change the value in place (or in the new copy when the record is read-only).
/// </summary>
internal sealed unsafe class FasterFunctions : FunctionsBase<SpanByte, SpanByte, FasterInput, FasterOutput, Empty>
{
    public override bool SingleReader(ref SpanByte key, ref FasterInput input, ref SpanByte value, ref FasterOutput dst, ref ReadInfo readInfo)
    {
        CopyOut(ref value, ref dst);
        return true;
    }

    public override bool ConcurrentReader(ref SpanByte key, ref FasterInput input, ref SpanByte value, ref FasterOutput dst, ref ReadInfo readInfo)
    {
        CopyOut(ref value, ref dst);
        return true;
    }

    public override bool SingleWriter(ref SpanByte key, ref FasterInput input, ref SpanByte src, ref SpanByte dst, ref FasterOutput output, ref UpsertInfo upsertInfo, WriteReason reason)
    {
        src.CopyTo(ref dst);
        return true;
    }

    public override bool ConcurrentWriter(ref SpanByte key, ref FasterInput input, ref SpanByte src, ref SpanByte dst, ref FasterOutput output, ref UpsertInfo upsertInfo)
    {
        // Values are self-describing, so a longer destination keeps its length; a shorter one makes FASTER copy the record.
        if (dst.Length < src.Length)
        {
            NoteSuperseded(ref key, ref dst);
            return false;
        }
        src.AsSpan().CopyTo(dst.AsSpan());
        return true;
    }

    public override bool NeedInitialUpdate(ref SpanByte key, ref FasterInput input, ref FasterOutput output, ref RMWInfo rmwInfo)
        => input.InitialLength > 0;

    public override bool InitialUpdater(ref SpanByte key, ref FasterInput input, ref SpanByte value, ref FasterOutput output, ref RMWInfo rmwInfo)
    {
        var span = value.AsSpan();
        new ReadOnlySpan<byte>(input.Initial, input.InitialLength).CopyTo(span);
        span[input.InitialLength..].Clear();
        input.Updater?.Apply(span);
        CopyOut(ref value, ref output);
        return true;
    }

    // FASTER may run InitialUpdater and then retry the RMW in place when another thread inserted the key
    // first; only PostInitialUpdater says the new record really went in.
    public override void PostInitialUpdater(ref SpanByte key, ref FasterInput input, ref SpanByte value, ref FasterOutput output, ref RMWInfo rmwInfo)
        => output.Created = true;

    public override bool CopyUpdater(ref SpanByte key, ref FasterInput input, ref SpanByte oldValue, ref SpanByte newValue, ref FasterOutput output, ref RMWInfo rmwInfo)
    {
        var from = oldValue.AsSpan();
        var to = newValue.AsSpan();
        from[..Math.Min(from.Length, to.Length)].CopyTo(to);
        input.Updater?.Apply(to);
        output.Created = false;
        CopyOut(ref newValue, ref output);
        return true;
    }

    public override void PostCopyUpdater(ref SpanByte key, ref FasterInput input, ref SpanByte oldValue, ref SpanByte newValue, ref FasterOutput output, ref RMWInfo rmwInfo)
        => NoteSuperseded(ref key, ref oldValue);

    /// <summary>
    /// Bytes of records that a newer record of the same key replaced since the count was last reset: an update of a
    /// read-only record appends a changed copy, and the old one is garbage until a compaction drops it. (Records an
    /// upsert or a delete replaces are not counted: FASTER does not show them to these callbacks.)
    /// </summary>
    public long SupersededBytes
    {
        get => Interlocked.Read(ref _supersededBytes);
        set => Interlocked.Exchange(ref _supersededBytes, value);
    }

    private long _supersededBytes;

    private void NoteSuperseded(ref SpanByte key, ref SpanByte value) =>
        Interlocked.Add(ref _supersededBytes, RecordHeaderBytes + Align8(key.TotalSize) + Align8(value.TotalSize));

    private const int RecordHeaderBytes = 8;

    private static long Align8(int bytes) => (bytes + 7) & ~7L;

    public override bool InPlaceUpdater(ref SpanByte key, ref FasterInput input, ref SpanByte value, ref FasterOutput output, ref RMWInfo rmwInfo)
    {
        input.Updater?.Apply(value.AsSpan());
        output.Created = false;
        CopyOut(ref value, ref output);
        return true;
    }

    private static void CopyOut(ref SpanByte value, ref FasterOutput output)
    {
        var span = value.AsSpan();
        output.Length = span.Length;
        if (output.Destination == null) return;
        span[..Math.Min(span.Length, output.Capacity)].CopyTo(new Span<byte>(output.Destination, output.Capacity));
    }
}
