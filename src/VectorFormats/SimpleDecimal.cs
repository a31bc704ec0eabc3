namespace EmbeddingStore.Formats;

/// <summary>
/// Parses the plain decimals that fill embedding text files ("-0.41242") several times faster than
/// float.TryParse, and declines everything else (exponents, long significands, NaN) so the caller falls
/// back to the general parser.
/// </summary>
/// <remarks>
/// Clinger's fast path: a significand below 2^24 and a power of ten up to 10^10 are both exact floats,
/// so their single IEEE division is correctly rounded and the result matches float.Parse bit for bit.
/// </remarks>
internal static class SimpleDecimal
{
    private const ulong MaxExactSignificand = 1 << 24;
    private const int MaxDigits = 18;

    private static readonly float[] PowersOfTen = [1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f];

    public static bool TryParse(ReadOnlySpan<byte> text, out float value)
    {
        value = 0;
        int i = 0;
        bool negative = false;
        if (text.Length > 0 && (text[0] == (byte)'-' || text[0] == (byte)'+'))
        {
            negative = text[0] == (byte)'-';
            i = 1;
        }

        ulong significand = 0;
        int digits = 0;
        int fractionDigits = 0;
        bool seenPoint = false;
        for (; i < text.Length; i++)
        {
            uint digit = (uint)(text[i] - '0');
            if (digit <= 9)
            {
                if (++digits > MaxDigits) return false;
                significand = significand * 10 + digit;
                if (seenPoint) fractionDigits++;
            }
            else if (text[i] == (byte)'.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                return false;
            }
        }
        if (digits == 0 || significand > MaxExactSignificand || fractionDigits >= PowersOfTen.Length) return false;

        value = significand / PowersOfTen[fractionDigits];
        if (negative) value = -value;
        return true;
    }
}
