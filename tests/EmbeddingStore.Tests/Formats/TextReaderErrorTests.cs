using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

public class TextReaderErrorTests
{
    [Theory]
    [InlineData("2 3\na 1 2 3\nb 1 2\n", "line 3: expected 3 values, found 2")]
    [InlineData("2 3\na 1 2 3\nb 1 2 3 4\n", "line 3: expected 3 values, found 4")]
    [InlineData("2 3\na 1 2 3\nb\n", "line 3: expected 3 values, found 0")]
    [InlineData("1 3\na 1 NaN 3\n", "line 2: value 2 is NaN")]
    [InlineData("1 3\na 1 2 -Infinity\n", "line 2: value 3 is infinite")]
    [InlineData("1 3\na 1 1e40 3\n", "line 2: value 2 is infinite")]
    [InlineData("1 3\na 1 x2 3\n", "line 2: value 2 is not a number: \"x2\"")]
    [InlineData("1 3\na 1  3\n", "line 2: value 2 is not a number: \"\"")]
    [InlineData("1 3\n 1 2 3\n", "line 2: empty token")]
    [InlineData("3 3\na 1 2 3\nb 1 2 3\n", "line 4: file ends after 2 of 3 rows")]
    [InlineData("3 3\na 1 2 3\nb 1 2 3", "line 4: file ends after 2 of 3 rows")]
    [InlineData("1 3\na 1 2 3\nb 1 2 3\n", "line 3: more rows than the 1 declared in the header")]
    [InlineData("2 3\na 1 2 3\n\nb 1 2 3\n", "line 3: empty line")]
    [InlineData("2 3000000000\n", "line 1: bad header: expected two positive integers \"ROWS DIM\", found \"2 3000000000\"")]
    public void MalformedWord2VecText_ReportsLineAndProblem(string file, string expected)
    {
        var error = VectorBytes.ReadError(VectorBytes.Text(file), VectorFormat.Word2VecText);

        Assert.Equal("test.vec: " + expected, error.Message);
    }

    [Theory]
    [InlineData("the 1 2\nof 1\n", "line 2: expected 2 values, found 1")]
    [InlineData("the 1 2\nof 1 NaN\n", "line 2: value 2 is NaN")]
    [InlineData("the 1 2\n\nof 1 2\n", "line 2: empty line")]
    [InlineData("the 1 2\n 1 2\n", "line 2: empty token")]
    [InlineData("the\n", "line 1: expected a \"ROWS DIM\" header or a \"token v1 ... vDIM\" row")]
    [InlineData("", "line 1: file is empty")]
    public void MalformedGlove_ReportsLineAndProblem(string file, string expected)
    {
        var error = VectorBytes.ReadError(VectorBytes.Text(file));

        Assert.Equal("test.vec: " + expected, error.Message);
    }

    [Fact]
    public void InvalidUtf8TokenInText_IsRefused()
    {
        byte[] file = VectorBytes.Concat(VectorBytes.Text("2 2\nok 1 2\n"), [0xFF, 0xFE], VectorBytes.Text(" 1 2\n"));

        var error = VectorBytes.ReadError(file, VectorFormat.Word2VecText);

        Assert.Equal("test.vec: line 3: token is not valid UTF-8", error.Message);
    }

    [Fact]
    public void GloveWithTooManyDimensions_IsRefused()
    {
        string line = "x" + string.Concat(Enumerable.Repeat(" 1", 4097)) + "\n";

        var error = VectorBytes.ReadError(VectorBytes.Text(line), VectorFormat.GloveText);

        Assert.Equal("test.vec: line 1: 4097 values is more than the 4096 supported", error.Message);
    }

    [Fact]
    public void LineLongerThanBuffer_IsRefused()
    {
        byte[] file = VectorBytes.Concat(VectorBytes.Text("1 1\na "), Enumerable.Repeat((byte)'1', 1 << 20).ToArray());

        var error = VectorBytes.ReadError(file, VectorFormat.Word2VecText);

        Assert.Equal("test.vec: line 2: line is longer than 1048576 bytes", error.Message);
    }
}
