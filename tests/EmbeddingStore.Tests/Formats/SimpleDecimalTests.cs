using System.Globalization;
using System.Text;
using EmbeddingStore.Formats;

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
