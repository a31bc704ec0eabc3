using System.Buffers.Binary;
using System.Text;

namespace EmbeddingStore.Core.Storage;

/// <summary>
/// Byte layout of the store's keys. Every record lives in one FasterKV; the first byte says what it is.
/// Spaces are the ids of tables and views: a record belongs to exactly one space, so views never
/// write into each other's records.
/// </summary>
internal static class Keys
{
    public const byte Row = (byte)'R';
    public const byte Token = (byte)'T';
    public const byte Catalog = (byte)'M';
    /// <summary>A slot of the recent pushes' request ids (<see cref="RecentPushes"/>).</summary>
    public const byte RecentPush = (byte)'P';

    public const int RowKeyLength = 1 + 4 + 8;

    /// <summary>Row ids carry their owner space in the high bits, so ids never collide across spaces.</summary>
    public const int LocalBits = 40;

    public static long MakeRowId(int space, long local) => ((long)space << LocalBits) | local;
    public static int OwnerOf(long rowId) => (int)(rowId >> LocalBits);
    public static long LocalOf(long rowId) => rowId & ((1L << LocalBits) - 1);

    public static void WriteRowKey(Span<byte> key, int space, long rowId)
    {
        key[0] = Row;
        BinaryPrimitives.WriteInt32LittleEndian(key[1..], space);
        BinaryPrimitives.WriteInt64LittleEndian(key[5..], rowId);
    }

    public static int TokenKeyLength(string token) => 1 + 4 + Encoding.UTF8.GetByteCount(token);

    public static int WriteTokenKey(Span<byte> key, int space, string token)
    {
        key[0] = Token;
        BinaryPrimitives.WriteInt32LittleEndian(key[1..], space);
        return 5 + Encoding.UTF8.GetBytes(token, key[5..]);
    }

    public static byte[] CatalogKey { get; } = [Catalog, (byte)'c', (byte)'a', (byte)'t'];

    /// <summary>The space a key belongs to, or -1 for store-wide records (the catalog).</summary>
    public static int SpaceOf(ReadOnlySpan<byte> key) =>
        key.Length >= 5 && (key[0] == Row || key[0] == Token) ? BinaryPrimitives.ReadInt32LittleEndian(key[1..]) : -1;
}
