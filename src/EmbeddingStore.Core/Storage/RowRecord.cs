using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace EmbeddingStore.Core.Storage;

/// <summary>
/// Value layout of a row record, self-describing because FASTER may pad values:
/// [version:8][origin:4][tokenBytes:4][step:4][slots:4][dim:4][reserved:4]
/// [vector: dim floats][optimizer state: slots*dim floats][token UTF-8].
/// Every value in the store starts with its version, so replaying the write-ahead log can keep the newest.
/// The token is kept in the row so that views can be exported without a scan.
/// </summary>
internal static class RowRecord
{
    public const int HeaderLength = 32;

    public static int Length(int dim, int slots, int tokenBytes) => HeaderLength + 4 * dim * (1 + slots) + tokenBytes;

    public static int UsedLength(ReadOnlySpan<byte> value) => Length(Dim(value), Slots(value), TokenBytes(value));

    public static long Version(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt64LittleEndian(value);
    public static void SetVersion(Span<byte> value, long version) => BinaryPrimitives.WriteInt64LittleEndian(value, version);

    public static RowOrigin Origin(ReadOnlySpan<byte> value) => (RowOrigin)BinaryPrimitives.ReadInt32LittleEndian(value[8..]);
    public static int TokenBytes(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt32LittleEndian(value[12..]);
    public static int Step(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt32LittleEndian(value[16..]);
    public static void SetStep(Span<byte> value, int step) => BinaryPrimitives.WriteInt32LittleEndian(value[16..], step);
    public static int Slots(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt32LittleEndian(value[20..]);
    public static int Dim(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt32LittleEndian(value[24..]);

    public static Span<float> Vector(Span<byte> value) =>
        MemoryMarshal.Cast<byte, float>(value.Slice(HeaderLength, 4 * Dim(value)));

    public static ReadOnlySpan<float> Vector(ReadOnlySpan<byte> value) =>
        MemoryMarshal.Cast<byte, float>(value.Slice(HeaderLength, 4 * Dim(value)));

    public static Span<float> State(Span<byte> value)
    {
        var dim = Dim(value);
        return MemoryMarshal.Cast<byte, float>(value.Slice(HeaderLength + 4 * dim, 4 * dim * Slots(value)));
    }

    public static string Token(ReadOnlySpan<byte> value)
    {
        var dim = Dim(value);
        var offset = HeaderLength + 4 * dim * (1 + Slots(value));
        return Encoding.UTF8.GetString(value.Slice(offset, TokenBytes(value)));
    }

    /// <summary>Writes a fresh record with zeroed optimizer state.</summary>
    public static void Write(Span<byte> value, long version, RowOrigin origin, string token, ReadOnlySpan<float> vector, int slots)
    {
        var dim = vector.Length;
        var tokenBytes = Encoding.UTF8.GetByteCount(token);
        value[..HeaderLength].Clear();
        SetVersion(value, version);
        BinaryPrimitives.WriteInt32LittleEndian(value[8..], (int)origin);
        BinaryPrimitives.WriteInt32LittleEndian(value[12..], tokenBytes);
        BinaryPrimitives.WriteInt32LittleEndian(value[20..], slots);
        BinaryPrimitives.WriteInt32LittleEndian(value[24..], dim);
        vector.CopyTo(MemoryMarshal.Cast<byte, float>(value.Slice(HeaderLength, 4 * dim)));
        value.Slice(HeaderLength + 4 * dim, 4 * dim * slots).Clear();
        Encoding.UTF8.GetBytes(token, value.Slice(HeaderLength + 4 * dim * (1 + slots), tokenBytes));
    }

    /// <summary>
    /// Writes into <paramref name="value"/> a view's copy of <paramref name="source"/>: version 0, origin Copy, the same
    /// vector and token bytes, zeroed state for <paramref name="slots"/> slots. Returns the copy's length.
    /// </summary>
    public static int WriteCopy(Span<byte> value, ReadOnlySpan<byte> source, int slots)
    {
        var dim = Dim(source);
        var tokenBytes = TokenBytes(source);
        var length = Length(dim, slots, tokenBytes);
        value[..HeaderLength].Clear();
        BinaryPrimitives.WriteInt32LittleEndian(value[8..], (int)RowOrigin.Copy);
        BinaryPrimitives.WriteInt32LittleEndian(value[12..], tokenBytes);
        BinaryPrimitives.WriteInt32LittleEndian(value[20..], slots);
        BinaryPrimitives.WriteInt32LittleEndian(value[24..], dim);
        source.Slice(HeaderLength, 4 * dim).CopyTo(value[HeaderLength..]);
        value.Slice(HeaderLength + 4 * dim, 4 * dim * slots).Clear();
        source.Slice(HeaderLength + 4 * dim * (1 + Slots(source)), tokenBytes).CopyTo(value[(HeaderLength + 4 * dim * (1 + slots))..]);
        return length;
    }

    public static byte[] Create(long version, RowOrigin origin, string token, ReadOnlySpan<float> vector, int slots)
    {
        var record = new byte[Length(vector.Length, slots, Encoding.UTF8.GetByteCount(token))];
        Write(record, version, origin, token, vector, slots);
        return record;
    }
}

/// <summary>Value layout of a token record: [version:8][rowId:8].</summary>
internal static class TokenRecord
{
    public const int Length = 16;

    public static long RowId(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt64LittleEndian(value[8..]);

    public static void Write(Span<byte> value, long version, long rowId)
    {
        BinaryPrimitives.WriteInt64LittleEndian(value, version);
        BinaryPrimitives.WriteInt64LittleEndian(value[8..], rowId);
    }
}
