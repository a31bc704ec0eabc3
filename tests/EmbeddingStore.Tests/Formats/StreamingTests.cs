using System.Globalization;
using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

/// <summary>Reads through a stream that hands out 1-7 bytes at a time, so rows straddle every refill.</summary>
public class StreamingTests
{
    private static readonly (string Token, float[] Vector)[] ManyRows = Enumerable.Range(0, 300)
        .Select(i => ($"tok{i}é", Enumerable.Range(0, 7).Select(j => (i - 150) * 0.37f + j / 3f).ToArray()))
        .ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrickledWord2VecFile_ReadsSameRows(bool binary)
    {
        byte[] file = VectorBytes.Write(binary, ManyRows);

        using var reader = VectorFileReader.Open(new TrickleStream(file, seed: 7), VectorFormat.Auto, "trickle");

        Assert.Equal(binary ? VectorFormat.Word2VecBinary : VectorFormat.Word2VecText, reader.Format);
        RoundTripTests.AssertSameRows(ManyRows, VectorBytes.ReadAll(reader));
        Assert.Equal(file.Length, reader.BytesRead);
    }

    [Fact]
    public void TrickledGloveFile_ReadsSameRows()
    {
        string text = string.Concat(ManyRows.Select(r =>
            r.Token + " " + string.Join(' ', r.Vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\r\n"));
        byte[] file = VectorBytes.Text(text);

        using var reader = VectorFileReader.Open(new TrickleStream(file, seed: 11), VectorFormat.Auto, "trickle");

        Assert.Equal(VectorFormat.GloveText, reader.Format);
        RoundTripTests.AssertSameRows(ManyRows, VectorBytes.ReadAll(reader));
    }

    [Fact]
    public void TrickledBinaryError_ReportsExactOffset()
    {
        byte[] good = VectorBytes.Write(binary: true, ManyRows);
        byte[] file = good[..^5];

        using var reader = VectorFileReader.Open(new TrickleStream(file, seed: 3), VectorFormat.Auto, "trickle");
        var error = Assert.Throws<VectorFormatException>(() => VectorBytes.ReadAll(reader));

        int lastValuesOffset = good.Length - 1 - 7 * 4;
        Assert.Equal($"byte offset {lastValuesOffset} (row 300)", error.Location);
        Assert.StartsWith("file ends inside the row: expected 28 bytes of values, found 24", error.Problem);
    }
}
