using System.Globalization;
using System.Text;
using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

public class SimpleDecimalTests
{
    [Fact]
    public void RandomPlainDecimals_MatchFloatParseBitForBit()
    {
        var random = new Random(20240601);
        int accepted = 0;
        const int samples = 100_000;
        for (int n = 0; n < samples; n++)
        {
            string text = RandomDecimal(random);
            if (!SimpleDecimal.TryParse(Encoding.ASCII.GetBytes(text), out float fast)) continue;
            accepted++;
            float expected = float.Parse(text, CultureInfo.InvariantCulture);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(fast),
                $"\"{text}\": fast path gave {fast:R}, float.Parse gave {expected:R}");
        }
        // The fast path only matters if typical embedding values take it.
        Assert.InRange(accepted, samples / 2, samples);
    }

    [Fact]
    public void RandomFieldsOfALine_MatchFloatParseBitForBit()
    {
        // Fields followed by others: eight bytes after the point are there to read at once (the SWAR path).
        var random = new Random(20261205);
        for (int line = 0; line < 2_000; line++)
        {
            string[] fields = Enumerable.Range(0, 50).Select(_ => RandomDecimal(random)).ToArray();
            byte[] bytes = Encoding.ASCII.GetBytes(string.Join(' ', fields) + " 0.5 tail");
            int at = 0;
            foreach (string field in fields)
            {
                bool fast = SimpleDecimal.TryParseField(bytes, at, out float value, out int end);
                Assert.Equal(SimpleDecimal.TryParse(Encoding.ASCII.GetBytes(field), out float alone), fast);
                at += field.Length + 1;
                if (!fast) continue;
                Assert.Equal(at - 1, end);
                Assert.True(BitConverter.SingleToInt32Bits(float.Parse(field, CultureInfo.InvariantCulture)) == BitConverter.SingleToInt32Bits(value),
                    $"\"{field}\": fast path gave {value:R}, float.Parse gave {float.Parse(field, CultureInfo.InvariantCulture):R}");
                Assert.Equal(BitConverter.SingleToInt32Bits(alone), BitConverter.SingleToInt32Bits(value));
            }
        }
    }

    [Theory]
    [InlineData("0.12345678 1", 0.12345678f, 10)]
    [InlineData("-0.1234567 1", -0.1234567f, 10)]
    [InlineData("0.1 2345678", 0.1f, 3)]
    [InlineData("0. 12345678", 0f, 2)]
    [InlineData("3.25", 3.25f, 4)]
    public void FieldsBeforeOthers_EndAtTheSpace(string text, float expected, int expectedEnd)
    {
        Assert.True(SimpleDecimal.TryParseField(Encoding.ASCII.GetBytes(text), 0, out float value, out int end));
        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(value));
        Assert.Equal(expectedEnd, end);
    }

    [Theory]
    [InlineData("0.125e-05 1")]
    [InlineData("0.12345x78 1")]
    [InlineData("0.1234\u00e95 1")]
    [InlineData("0.123456789012345678901 1")]
    [InlineData("0.000000000001 1")]
    [InlineData("1.2.3 4567890")]
    public void UnusualFieldsBeforeOthers_AreLeftToTheGeneralParser(string text)
    {
        Assert.False(SimpleDecimal.TryParseField(Encoding.UTF8.GetBytes(text), 0, out _, out _));
    }

    [Theory]
    [InlineData("1e5")]
    [InlineData("NaN")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1.2.3")]
    [InlineData(" 1")]
    [InlineData("16777217")]
    [InlineData("0.12345678901")]
    [InlineData("1234567890123456789")]
    public void UnusualNumbers_AreLeftToTheGeneralParser(string text)
    {
        Assert.False(SimpleDecimal.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("-0", -0f)]
    [InlineData("+.5", 0.5f)]
    [InlineData("16777216", 16777216f)]
    [InlineData("-0.41242", -0.41242f)]
    public void EdgeCases_ParseLikeFloatParse(string text, float expected)
    {
        Assert.True(SimpleDecimal.TryParse(Encoding.ASCII.GetBytes(text), out float value));
        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(value));
    }

    private static string RandomDecimal(Random random)
    {
        var text = new StringBuilder();
        if (random.Next(2) == 0) text.Append('-');
        text.Append(random.Next(4) == 0 ? random.Next(1, 100_000).ToString(CultureInfo.InvariantCulture) : "0");
        int fraction = random.Next(0, 11);
        if (fraction > 0) text.Append('.');
        for (int i = 0; i < fraction; i++) text.Append((char)('0' + random.Next(10)));
        return text.ToString();
    }
}
