using System.Buffers.Binary;
using System.Text;
using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

/// <summary>Builds vector files in memory and reads them back whole, for compact tests.</summary>
internal static class VectorBytes
{
    public static byte[] Text(string content) => Encoding.UTF8.GetBytes(content);

    /// <summary>A word2vec binary row: token bytes, a space, little-endian floats, then the given terminator.</summary>
    public static byte[] BinaryRow(byte[] token, float[] values, string terminator = "\n")
    {
        var row = new byte[token.Length + 1 + values.Length * 4 + terminator.Length];
        token.CopyTo(row, 0);
        row[token.Length] = (byte)' ';
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan(token.Length + 1 + i * 4), values[i]);
        Encoding.ASCII.GetBytes(terminator).CopyTo(row, row.Length - terminator.Length);
        return row;
    }

    public static byte[] BinaryRow(string token, params float[] values) => BinaryRow(Encoding.UTF8.GetBytes(token), values);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static List<(string Token, float[] Vector)> ReadAll(IVectorReader reader)
    {
        var rows = new List<(string, float[])>();
        var vector = new float[reader.Dim];
        while (reader.TryReadRow(out string token, vector)) rows.Add((token, vector.ToArray()));
        return rows;
    }

    public static List<(string Token, float[] Vector)> ReadAll(byte[] file, VectorFormat format = VectorFormat.Auto)
    {
        using var reader = VectorFileReader.Open(new MemoryStream(file), format, "test.vec");
        return ReadAll(reader);
    }

    public static VectorFormatException ReadError(byte[] file, VectorFormat format = VectorFormat.Auto) =>
        Assert.Throws<VectorFormatException>(() => ReadAll(file, format));

    public static byte[] Write(bool binary, IReadOnlyList<(string Token, float[] Vector)> rows)
    {
        var stream = new MemoryStream();
        using (var writer = VectorFileWriter.Create(stream, binary, rows.Count, rows[0].Vector.Length, leaveOpen: true))
        {
            foreach (var (token, vector) in rows) writer.WriteRow(token, vector);
        }
        return stream.ToArray();
    }
}
