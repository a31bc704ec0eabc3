using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

public class DetectionTests
{
    [Fact]
    public void AutoOnBinary_DetectsWord2VecBinary()
    {
        using var reader = Open(VectorBytes.Write(binary: true, RoundTripTests.Rows));

        Assert.Equal(VectorFormat.Word2VecBinary, reader.Format);
        RoundTripTests.AssertSameRows(RoundTripTests.Rows, VectorBytes.ReadAll(reader));
    }

    [Fact]
    public void AutoOnWord2VecText_DetectsText()
    {
        using var reader = Open(VectorBytes.Write(binary: false, RoundTripTests.Rows));

        Assert.Equal(VectorFormat.Word2VecText, reader.Format);
        Assert.Equal(4, reader.DeclaredRows);
        RoundTripTests.AssertSameRows(RoundTripTests.Rows, VectorBytes.ReadAll(reader));
    }

    [Fact]
    public void AutoOnFastTextVecWithTrailingSpace_DetectsText()
    {
        using var reader = Open(VectorBytes.Text("1 3\n</s> 0.001 -0.002 3e-05 \n"));

        Assert.Equal(VectorFormat.Word2VecText, reader.Format);
    }

    [Fact]
    public void AutoOnGlove_DetectsGloveWithDimFromFirstLine()
    {
        using var reader = Open(VectorBytes.Text("the 0.418 0.24968 -0.41242 0.1217\n, 0.013441 0.23682 -0.16899 0.40951\n"));

        Assert.Equal(VectorFormat.GloveText, reader.Format);
        Assert.Equal(4, reader.Dim);
        Assert.Null(reader.DeclaredRows);
        Assert.Equal(2, VectorBytes.ReadAll(reader).Count);
    }

    [Fact]
    public void AutoOnBinaryWhoseFirstValueStartsWithNewlineByte_DetectsBinary()
    {
        // Little-endian 0x3F80000A begins with 0x0A, so the "line" after the token is empty.
        float value = BitConverter.Int32BitsToSingle(0x3F80000A);
        byte[] file = VectorBytes.Concat(VectorBytes.Text("1 1\n"), VectorBytes.BinaryRow("x", value));

        using var reader = Open(file);

        Assert.Equal(VectorFormat.Word2VecBinary, reader.Format);
        Assert.Equal(value, VectorBytes.ReadAll(reader)[0].Vector[0]);
    }

    [Fact]
    public void AutoOnTextWithWrongValueCount_StillDetectsTextAndNamesTheLine()
    {
        var error = VectorBytes.ReadError(VectorBytes.Text("2 3\na 1 2\nb 1 2 3\n"));

        Assert.Equal("test.vec: line 2: expected 3 values, found 2", error.Message);
    }

    private static IVectorReader Open(byte[] file) => VectorFileReader.Open(new MemoryStream(file), VectorFormat.Auto, "auto.vec");
}
