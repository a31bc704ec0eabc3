using System.Buffers.Binary;
using System.Text;
using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

public class WriterTests
{
    [Fact]
    public void BinaryWriter_WritesHeaderTokenSpaceLittleEndianFloatsNewline()
    {
        byte[] file = VectorBytes.Write(binary: true, [("a", [1f, -2f]), ("é", [0.5f, 3f])]);

        var expected = new List<byte>("2 2\na "u8.ToArray());
        expected.AddRange(LittleEndian(1f, -2f));
        expected.Add((byte)'\n');
        expected.AddRange([0xC3, 0xA9, (byte)' ']);
        expected.AddRange(LittleEndian(0.5f, 3f));
        expected.Add((byte)'\n');
        Assert.Equal(expected, file);
    }

    [Fact]
    public void TextWriter_WritesShortestRoundTripInvariantNumbers()
    {
        byte[] file = VectorBytes.Write(binary: false, [("the", [0.1f, -2.5f, 1e-8f]), ("of", [1f / 3f, 0f, 123456.79f])]);

        Assert.Equal("2 3\nthe 0.1 -2.5 1E-08\nof 0.33333334 0 123456.79\n", Encoding.UTF8.GetString(file));
    }

    [Theory]
    [InlineData("new york")]
    [InlineData("line\nbreak")]
    [InlineData("cr\r")]
    [InlineData("")]
    public void WriteRow_UnrepresentableToken_ThrowsArgumentException(string token)
    {
        using var writer = VectorFileWriter.Create(new MemoryStream(), binary: true, rows: 1, dim: 1);

        Assert.Throws<ArgumentException>(() => writer.WriteRow(token, [1f]));
        writer.WriteRow("ok", [1f]);
    }

    [Fact]
    public void WriteRow_LoneSurrogateToken_ThrowsArgumentException()
    {
        // Built in code: theory data would turn the lone surrogate into U+FFFD on its way in.
        string token = "a" + (char)0xD800;
        using var writer = VectorFileWriter.Create(new MemoryStream(), binary: false, rows: 1, dim: 1);

        Assert.Throws<ArgumentException>(() => writer.WriteRow(token, [1f]));
        writer.WriteRow("ok", [1f]);
    }

    [Theory]
    [InlineData(new[] { 1f, 2f })]
    [InlineData(new[] { float.NaN })]
    [InlineData(new[] { float.NegativeInfinity })]
    public void WriteRow_BadVector_ThrowsArgumentException(float[] vector)
    {
        using var writer = VectorFileWriter.Create(new MemoryStream(), binary: false, rows: 1, dim: 1);

        Assert.Throws<ArgumentException>(() => writer.WriteRow("x", vector));
        writer.WriteRow("x", [0f]);
    }

    [Fact]
    public void WriteRow_BeyondDeclaredRows_ThrowsInvalidOperation()
    {
        using var writer = VectorFileWriter.Create(new MemoryStream(), binary: true, rows: 1, dim: 1);
        writer.WriteRow("a", [1f]);

        var error = Assert.Throws<InvalidOperationException>(() => writer.WriteRow("b", [2f]));
        Assert.Contains("1 rows", error.Message);
    }

    [Fact]
    public void Dispose_WithFewerRowsThanDeclared_ThrowsAfterFlushing()
    {
        var stream = new MemoryStream();
        var writer = VectorFileWriter.Create(stream, binary: false, rows: 3, dim: 1, leaveOpen: true);
        writer.WriteRow("a", [1f]);

        var error = Assert.Throws<InvalidOperationException>(writer.Dispose);

        Assert.Equal("Wrote 1 of the 3 rows declared in the header.", error.Message);
        Assert.Equal("3 1\na 1\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Dispose_ClosesStreamUnlessLeftOpen()
    {
        var stream = new MemoryStream();
        using (var writer = VectorFileWriter.Create(stream, binary: true, rows: 1, dim: 1)) writer.WriteRow("a", [1f]);

        Assert.False(stream.CanWrite);
    }

    private static byte[] LittleEndian(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }
}
