using System.Runtime.InteropServices;

namespace CrashLoop;

/// <summary>Rows compared and fingerprinted by their bits, so that -0, NaN and a last-bit change all count.</summary>
public static class RowBits
{
    public static bool Equal(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

    public static int Hash(ReadOnlySpan<float> row)
    {
        var hash = new HashCode();
        hash.AddBytes(MemoryMarshal.AsBytes(row));
        return hash.ToHashCode();
    }

    /// <summary>
    /// How many +1.0 deltas turn <paramref name="start"/> into <paramref name="now"/> bit for bit (each delta is one float
    /// addition per element, whatever the order of the pushes), or -1 when no count up to <paramref name="most"/> does.
    /// </summary>
    public static int DeltasApplied(ReadOnlySpan<float> start, ReadOnlySpan<float> now, int most)
    {
        var row = start.ToArray();
        for (var n = 0; n <= most; n++)
        {
            if (Equal(row, now)) return n;
            for (var i = 0; i < row.Length; i++) row[i] += 1f;
        }
        return -1;
    }
}
