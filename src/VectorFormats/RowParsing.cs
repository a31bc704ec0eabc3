using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;

namespace VectorFormats;

/// <summary>Parsing rules shared by the binary and text readers, and the wording of their errors.</summary>
internal static class RowParsing
{
    public const int MaxDim = 4096;

    /// <summary>True if the line is two integer fields, the shape of a word2vec header.</summary>
    public static bool LooksLikeHeader(ReadOnlySpan<byte> line)
    {
        line = TrimEnd(line);
        int space = line.IndexOf((byte)' ');
        return space > 0
            && long.TryParse(line[..space], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            && long.TryParse(line[(space + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>Parses "ROWS DIM"; returns the problem, or null when the header is valid.</summary>
    public static string? ParseHeader(ReadOnlySpan<byte> line, out long rows, out int dim)
    {
        rows = 0;
        dim = 0;
        line = TrimEnd(line);
        int space = line.IndexOf((byte)' ');
        if (space <= 0
            || !long.TryParse(line[..space], NumberStyles.None, CultureInfo.InvariantCulture, out rows)
            || !int.TryParse(line[(space + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out dim)
            || rows < 1 || dim < 1)
        {
            return $"bad header: expected two positive integers \"ROWS DIM\", found \"{Excerpt(line)}\"";
        }
        return dim > MaxDim ? $"bad header: dimension {dim} is larger than {MaxDim}" : null;
    }

    /// <summary>Decodes a token, or returns null when it is not valid UTF-8.</summary>
    public static string? DecodeToken(ReadOnlySpan<byte> bytes) =>
        Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>Parses one text number; returns the problem, or null when it is a finite float.</summary>
    public static string? ParseValue(ReadOnlySpan<byte> text, int valueIndex, out float value)
    {
        if (SimpleDecimal.TryParse(text, out value)) return null;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            return $"value {valueIndex + 1} is not a number: \"{Excerpt(text)}\"";
        return float.IsFinite(value) ? null : NonFiniteProblem(value, valueIndex);
    }

    /// <summary>Returns the problem with the first NaN or infinite value, or null when all are finite.</summary>
    public static string? CheckFinite(ReadOnlySpan<float> values)
    {
        // A float is not finite when its exponent bits are all ones (infinity, NaN). Eight at a time; the scalar loop
        // finds which one only in the block that has one (and checks the tail).
        var bits = MemoryMarshal.Cast<float, int>(values);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var exponent = Vector256.Create(0x7F800000);
            for (; i + Vector256<int>.Count <= bits.Length; i += Vector256<int>.Count)
                if (Vector256.EqualsAny(Vector256.Create(bits.Slice(i, Vector256<int>.Count)) & exponent, exponent)) break;
        }
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return NonFiniteProblem(values[i], i);
        }
        return null;
    }

    public static string EndsEarly(long rowsRead, long declaredRows) =>
        $"file ends after {rowsRead} of {declaredRows} rows";

    public static string TooManyRows(long declaredRows) =>
        $"more rows than the {declaredRows} declared in the header";

    public static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> line) => line.TrimEnd(" \r"u8);

    /// <summary>A short, printable rendering of raw input for error messages.</summary>
    public static string Excerpt(ReadOnlySpan<byte> bytes)
    {
        const int limit = 40;
        string text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, limit)]);
        var printable = new StringBuilder(text.Length);
        foreach (char c in text) printable.Append(char.IsControl(c) ? '?' : c);
        if (bytes.Length > limit) printable.Append("...");
        return printable.ToString();
    }

    private static string NonFiniteProblem(float value, int valueIndex) =>
        float.IsNaN(value) ? $"value {valueIndex + 1} is NaN" : $"value {valueIndex + 1} is infinite";
}
