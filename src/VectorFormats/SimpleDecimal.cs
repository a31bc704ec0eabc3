using System.Buffers.Binary;
using System.Numerics;

namespace VectorFormats;

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

    public static bool TryParse(ReadOnlySpan<byte> text, out float value) =>
        TryParseField(text, 0, out value, out int end) && end == text.Length;

    /// <summary>
    /// Parses the field that starts at <paramref name="start"/> and ends at the next space or the end of
    /// <paramref name="text"/> (<paramref name="end"/>: that space's index, or the length), in the same pass that
    /// finds its end. False for anything <see cref="TryParse"/> declines; <paramref name="end"/> is then meaningless.
    /// </summary>
    /// <remarks>
    /// Up to eight fraction digits are found and converted at once when eight bytes follow the point (SWAR: the
    /// bytes as one 64-bit integer), the rest one digit at a time.
    /// </remarks>
    public static bool TryParseField(ReadOnlySpan<byte> text, int start, out float value, out int end)
    {
        value = 0;
        end = start;
        int i = start;
        // Signs are without branches: in embedding files about half the values are negative, at random.
        int first = (uint)i < (uint)text.Length ? text[i] : 0;
        int negative = first == '-' ? 1 : 0;
        i += negative | (first == '+' ? 1 : 0);

        ulong significand = 0;
        int digits = 0;
        int fractionDigits = 0;
        for (; i < text.Length && (uint)(text[i] - '0') <= 9; i++)
        {
            if (++digits > MaxDigits) return false;
            significand = significand * 10 + (uint)(text[i] - '0');
        }
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            if (i + 8 <= text.Length)
            {
                int run = DigitRun(BinaryPrimitives.ReadUInt64LittleEndian(text.Slice(i, 8)), out ulong eight);
                if (digits + run > MaxDigits) return false;
                significand = significand * PowersOfTenInteger[run] + eight;
                digits += run;
                fractionDigits = run;
                i += run;
            }
            for (; i < text.Length && (uint)(text[i] - '0') <= 9; i++)
            {
                if (++digits > MaxDigits) return false;
                significand = significand * 10 + (uint)(text[i] - '0');
                fractionDigits++;
            }
        }
        end = i;
        if ((i < text.Length && text[i] != (byte)' ') || digits == 0
            || significand > MaxExactSignificand || fractionDigits >= PowersOfTen.Length) return false;

        // The significand is at most 2^24 here: exact as an int and as a float.
        value = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((int)significand / PowersOfTen[fractionDigits]) ^ (negative << 31));
        return true;
    }

    private static readonly ulong[] PowersOfTenInteger = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

    /// <summary>
    /// The number of leading ASCII digits among eight bytes (the first in the lowest byte), and their value.
    /// </summary>
    private static int DigitRun(ulong bytes, out ulong value)
    {
        ulong d = bytes - 0x3030303030303030UL;
        // A byte's top bit is set when it is not a digit: above '9' through the addition, below '0' through the
        // subtraction. Borrows and carries only move towards later bytes, past the first non-digit.
        ulong notDigit = ((d + 0x7676767676767676UL) | d) & 0x8080808080808080UL;
        int run = notDigit == 0 ? 8 : BitOperations.TrailingZeroCount(notDigit) >> 3;
        if (run == 0)
        {
            value = 0;
            return 0;
        }
        // The run's digits moved to the top bytes, zeros (leading zero digits) below: eight digits to convert.
        ulong v = (d << (8 * (8 - run))) & 0x0F0F0F0F0F0F0F0FUL;
        v = (v * 2561) >> 8;
        v = ((v & 0x00FF00FF00FF00FFUL) * 6553601) >> 16;
        value = ((v & 0x0000FFFF0000FFFFUL) * 42949672960001) >> 32;
        return run;
    }
}
