using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

public class BinaryReaderErrorTests
{
    private static readonly byte[] Header = VectorBytes.Text("2 3\n");
    private static readonly byte[] RowA = VectorBytes.BinaryRow("a", 1f, 2f, 3f);

    [Theory]
    [InlineData("abc 3\n", "bad header: expected two positive integers \"ROWS DIM\", found \"abc 3\"")]
    [InlineData("0 3\n", "bad header: expected two positive integers \"ROWS DIM\", found \"0 3\"")]
    [InlineData("2 0\n", "bad header: expected two positive integers \"ROWS DIM\", found \"2 0\"")]
    [InlineData("2 -3\n", "bad header: expected two positive integers \"ROWS DIM\", found \"2 -3\"")]
    [InlineData("2 5000\n", "bad header: dimension 5000 is larger than 4096")]
    public void BadHeader_ReportsLineOne(string header, string problem)
    {
        var error = VectorBytes.ReadError(VectorBytes.Text(header), VectorFormat.Word2VecBinary);

        Assert.Equal("line 1", error.Location);
        Assert.Equal(problem, error.Problem);
    }

    [Fact]
    public void FewerRowsThanHeader_ReportsRowsFound()
    {
        byte[] file = VectorBytes.Concat(Header, RowA);

        var error = VectorBytes.ReadError(file);

        Assert.Equal($"test.vec: byte offset {file.Length} (row 2): file ends after 1 of 2 rows", error.Message);
    }

    [Fact]
    public void TruncatedRow_ReportsMissingValueBytes()
    {
        byte[] file = VectorBytes.Concat(Header, RowA, VectorBytes.Text("b "), new byte[5]);

        var error = VectorBytes.ReadError(file);

        Assert.Equal($"byte offset {file.Length - 5} (row 2)", error.Location);
        Assert.StartsWith("file ends inside the row: expected 12 bytes of values, found 5", error.Problem);
    }

    [Fact]
    public void MoreRowsThanHeader_ReportsExtraRow()
    {
        byte[] file = VectorBytes.Concat(VectorBytes.Text("1 3\n"), RowA, RowA);

        var error = VectorBytes.ReadError(file);

        Assert.Equal($"byte offset {4 + RowA.Length} (row 2)", error.Location);
        Assert.Equal("more rows than the 1 declared in the header", error.Problem);
    }

    [Theory]
    [InlineData(float.NaN, "value 3 is NaN")]
    [InlineData(float.PositiveInfinity, "value 3 is infinite")]
    [InlineData(float.NegativeInfinity, "value 3 is infinite")]
    public void NonFiniteValue_ReportsWhichValue(float bad, string problem)
    {
        byte[] file = VectorBytes.Concat(Header, RowA, VectorBytes.BinaryRow("b", 1f, 2f, bad));

        var error = VectorBytes.ReadError(file);

        Assert.Equal($"byte offset {Header.Length + RowA.Length + 2} (row 2)", error.Location);
        Assert.Equal(problem, error.Problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]   // inside a block of eight checked at once
    [InlineData(295)]  // the last full block
    [InlineData(299)]  // the tail after the blocks
    public void NonFiniteValue_InA300dRow_FoundWhereverItIs(int index)
    {
        var values = Enumerable.Range(0, 300).Select(i => i / 300f).ToArray();
        Assert.Null(VectorFormats.RowParsing.CheckFinite(values));
        values[index] = float.NaN;
        Assert.Equal($"value {index + 1} is NaN", VectorFormats.RowParsing.CheckFinite(values));
        values[index] = float.NegativeInfinity;
        Assert.Equal($"value {index + 1} is infinite", VectorFormats.RowParsing.CheckFinite(values));
    }

    [Fact]
    public void InvalidUtf8Token_IsRefused()
    {
        byte[] file = VectorBytes.Concat(Header, VectorBytes.BinaryRow([0xC3, 0x28], [1f, 2f, 3f]), RowA);

        var error = VectorBytes.ReadError(file);

        Assert.Equal("test.vec: byte offset 4 (row 1): token is not valid UTF-8", error.Message);
    }

    [Fact]
    public void EmptyToken_IsRefused()
    {
        byte[] file = VectorBytes.Concat(Header, RowA, VectorBytes.BinaryRow("", 1f, 2f, 3f));

        var error = VectorBytes.ReadError(file);

        Assert.Equal($"test.vec: byte offset {Header.Length + RowA.Length} (row 2): empty token", error.Message);
    }

    [Fact]
    public void HeaderDimLargerThanRows_ReportsNewlineInToken()
    {
        // The real rows have 3 values but the header claims 4, so the reader overruns into the next row.
        byte[] file = VectorBytes.Concat(VectorBytes.Text("2 4\n"), VectorBytes.BinaryRow("a", 1f, 2f, 3f),
            VectorBytes.BinaryRow("bb", 1f, 2f, 3f), VectorBytes.BinaryRow("c", 1f, 2f, 3f));

        var error = VectorBytes.ReadError(file, VectorFormat.Word2VecBinary);

        Assert.Equal("row 2", error.Location[(error.Location.IndexOf('(') + 1)..^1]);
        Assert.StartsWith("token contains a newline", error.Problem);
    }

    [Fact]
    public void TokenWithoutSpaceWithinBuffer_IsRefused()
    {
        byte[] file = VectorBytes.Concat(Header, Enumerable.Repeat((byte)'x', 1 << 20).ToArray());

        var error = VectorBytes.ReadError(file, VectorFormat.Word2VecBinary);

        Assert.Equal("test.vec: byte offset 4 (row 1): no space after the token within 1048576 bytes", error.Message);
    }
}
