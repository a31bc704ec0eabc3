using System.Globalization;
using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

public class RoundTripTests
{
    // Awkward values on purpose: a subnormal, the extremes, negative zero and non-ASCII tokens.
    internal static readonly (string Token, float[] Vector)[] Rows =
    [
        ("the", [0.1f, -2.5f, 3e-8f]),
        ("naïve", [float.MaxValue, float.MinValue, float.Epsilon]),
        ("日本", [-0f, 1f / 3f, 123456.789f]),
        ("a,b", [0.418f, 0.24968f, -0.41242f]),
    ];

    [Theory]
    [InlineData(true, VectorFormat.Word2VecBinary)]
    [InlineData(false, VectorFormat.Word2VecText)]
    public void WrittenFile_ReadsBackBitExact(bool binary, VectorFormat format)
    {
        byte[] file = VectorBytes.Write(binary, Rows);

        using var reader = VectorFileReader.Open(new MemoryStream(file), format, "rt.vec");
        var read = VectorBytes.ReadAll(reader);

        Assert.Equal(3, reader.Dim);
        Assert.Equal(Rows.Length, reader.DeclaredRows);
        AssertSameRows(Rows, read);
        Assert.Equal(file.Length, reader.BytesRead);
    }

    [Fact]
    public void GloveText_ReadsRowsWithoutHeader()
    {
        string text = string.Concat(Rows.Select(r =>
            r.Token + " " + string.Join(' ', r.Vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n"));

        using var reader = VectorFileReader.Open(new MemoryStream(VectorBytes.Text(text)), VectorFormat.GloveText, "glove.txt");

        Assert.Null(reader.DeclaredRows);
        AssertSameRows(Rows, VectorBytes.ReadAll(reader));
    }

    [Fact]
    public void GloveLineWithSpacedToken_TakesLastDimFieldsAsValues()
    {
        var rows = VectorBytes.ReadAll(VectorBytes.Text("the 1 2\n. . . 3 4\nat name@domain.com 5 6\n"), VectorFormat.GloveText);

        Assert.Equal([". . .", "at name@domain.com"], rows.Skip(1).Select(r => r.Token));
        Assert.Equal([5f, 6f], rows[2].Vector);
    }

    [Fact]
    public void TextWithCrLfAndTrailingSpaces_Reads()
    {
        var rows = VectorBytes.ReadAll(VectorBytes.Text("2 2 \r\na 1 2 \r\nb 3 4\r\n\r\n"));

        Assert.Equal(["a", "b"], rows.Select(r => r.Token));
        Assert.Equal([3f, 4f], rows[1].Vector);
    }

    [Fact]
    public void BinaryWithoutRowNewlines_ReadsLikeGensimOutput()
    {
        byte[] file = VectorBytes.Concat(VectorBytes.Text("2 2\n"),
            VectorBytes.BinaryRow("a"u8.ToArray(), [1f, 2f], terminator: ""),
            VectorBytes.BinaryRow("b"u8.ToArray(), [3f, 4f], terminator: ""));

        var rows = VectorBytes.ReadAll(file, VectorFormat.Word2VecBinary);

        Assert.Equal(["a", "b"], rows.Select(r => r.Token));
        Assert.Equal([3f, 4f], rows[1].Vector);
    }

    [Fact]
    public void DuplicateTokens_AreYieldedAsSeparateRows()
    {
        var rows = VectorBytes.ReadAll(VectorBytes.Text("2 1\nx 1\nx 2\n"));

        Assert.Equal([("x", 1f), ("x", 2f)], rows.Select(r => (r.Token, r.Vector[0])));
    }

    [Fact]
    public void BytesRead_AdvancesWithEachRow()
    {
        byte[] file = VectorBytes.Write(binary: true, Rows);
        using var reader = VectorFileReader.Open(new MemoryStream(file), VectorFormat.Auto, "rt.bin");
        var vector = new float[reader.Dim];
        int rowBytes = "the ".Length + 3 * 4 + 1;

        Assert.Equal("4 3\n".Length, reader.BytesRead);
        reader.TryReadRow(out _, vector);
        Assert.Equal("4 3\n".Length + rowBytes, reader.BytesRead);
    }

    internal static void AssertSameRows(IReadOnlyList<(string Token, float[] Vector)> expected, IReadOnlyList<(string Token, float[] Vector)> actual)
    {
        Assert.Equal(expected.Select(r => r.Token), actual.Select(r => r.Token));
        // Compare bits so that -0 and 0 differ and a lossy round trip cannot hide.
        Assert.Equal(expected.Select(r => r.Vector.Select(BitConverter.SingleToInt32Bits)),
            actual.Select(r => r.Vector.Select(BitConverter.SingleToInt32Bits)));
    }
}
