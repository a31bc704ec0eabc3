using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// What a view reads, in one place: a token's row id through the chain, the record a view sees for a row (the nearest
/// fine-tune copy, else the owner's), whether the view may train a row, and copy-on-write: the record a view's first
/// update of an inherited row starts from. Reads only; writes go through <see cref="RowWrites"/>.
/// </summary>
internal sealed class ViewRecords(IRecordStore records)
{
    /// <summary>What <see cref="Read"/> returns when the view cannot read the row.</summary>
    public const int NotReadable = -1;

    /// <summary>What <see cref="Read"/> returns for the padding row, which has no record.</summary>
    public const int PadPosition = int.MaxValue;

    /// <summary>Bytes a buffer needs to hold any record of the chain's rows.</summary>
    public static int RecordCapacity(ViewChain chain) => RowRecord.Length(chain.Dim, Math.Max(chain.Slots, 2), Store.MaxTokenBytes * 4) + 64;

    /// <summary>The row id of a token through the chain, or -1.</summary>
    public long FindToken(ViewChain chain, string token)
    {
        var keyLength = Keys.TokenKeyLength(token);
        Span<byte> key = keyLength <= 512 ? stackalloc byte[keyLength] : new byte[keyLength];
        Span<byte> value = stackalloc byte[TokenRecord.Length];
        foreach (var space in chain.Spaces)
        {
            Keys.WriteTokenKey(key, space, token);
            if (records.Read(key, value) >= TokenRecord.Length) return TokenRecord.RowId(value);
        }
        return -1;
    }

    /// <summary>
    /// Reads into <paramref name="scratch"/> the record the view sees for a row: the nearest fine-tune copy,
    /// else the owner's record. Returns the chain position it came from, <see cref="NotReadable"/>, or
    /// <see cref="PadPosition"/> for the padding row (which has no record).
    /// </summary>
    public int Read(ViewChain chain, long id, byte[] scratch)
    {
        if (id == Store.PadRowId) return PadPosition;
        var ownerAt = chain.PositionOfOwner(id);
        if (ownerAt < 0) return NotReadable;
        Span<byte> key = stackalloc byte[Keys.RowKeyLength];
        for (var i = 0; i <= ownerAt; i++)
        {
            if (i < ownerAt && !chain.MayHoldCopies[i]) continue;
            Keys.WriteRowKey(key, chain.Spaces[i], id);
            var length = records.Read(key, scratch);
            if (length < 0) continue;
            if (length > scratch.Length) throw new InvalidOperationException($"row {id} is larger than its buffer");
            return i;
        }
        return NotReadable;
    }

    /// <summary>
    /// Static views train nothing; a view trains its own rows; a fine-tune view also trains inherited
    /// rows, by copying them on first write. The padding row is never trainable.
    /// </summary>
    public static bool IsTrainable(ViewChain chain, long id) =>
        id != Store.PadRowId && chain.View.Mode switch
        {
            TrainMode.Static => false,
            TrainMode.FineTune => true,
            _ => Keys.OwnerOf(id) == chain.View.Space,
        };

    /// <summary>
    /// Copy-on-write: writes into <paramref name="copy"/> the view's new record of an inherited row (the record its parent
    /// chain reads, with fresh optimizer state), using <paramref name="source"/> as scratch; without decoding the token.
    /// Returns the copy's length, or -1 when the parent chain cannot read the row.
    /// </summary>
    public int CopyInherited(ViewChain parent, int slots, long id, byte[] source, Span<byte> copy) =>
        Read(parent, id, source) == NotReadable ? -1 : RowRecord.WriteCopy(copy, source, slots);

    /// <summary>
    /// The record an update of the row through the view starts from, into <paramref name="record"/>: the view's own
    /// record as it is, else a copy of the inherited one (<see cref="CopyInherited"/>'s). False when the view cannot
    /// read the row (or it is the padding row).
    /// </summary>
    public bool ReadForUpdate(ViewChain chain, long id, byte[] source, byte[] record)
    {
        var position = Read(chain, id, source);
        if (position is NotReadable or PadPosition) return false;
        if (position == 0) source.AsSpan(0, RowRecord.UsedLength(source)).CopyTo(record);
        else RowRecord.WriteCopy(record, source, chain.Slots);
        return true;
    }

    /// <summary>The chain without its first view: what the view inherits.</summary>
    public static ViewChain ParentChain(ViewChain chain) => new()
    {
        View = chain.View,
        Table = chain.Table,
        Spaces = chain.Spaces[1..],
        MayHoldCopies = chain.MayHoldCopies[1..],
        // Conservative: the full chain's first view may be a fine-tune view that made these false.
        ReadsNeverChange = chain.ReadsNeverChange[1..],
        Slots = chain.Slots,
    };
}
