using System.Text;

namespace EmbeddingStore.Core;

/// <summary>
/// Initial vectors of new rows. The generator is seeded by (view seed, token), so a token gets the
/// same vector in every view with the same seed, whichever order rows are created in: the static and
/// non-static channels of a multichannel model start equal, and runs repeat.
/// </summary>
internal static class RowInit
{
    public const ulong DefaultSeed = 0x9E3779B97F4A7C15;

    public static void Fill(Span<float> vector, InitKind kind, float scale, ulong seed, string token)
    {
        var state = Hash(token) ^ (seed == 0 ? DefaultSeed : seed);
        switch (kind)
        {
            case InitKind.Zeros:
                vector.Clear();
                break;
            case InitKind.Normal:
                for (var i = 0; i < vector.Length; i++)
                {
                    // Box-Muller on two uniform draws in (0, 1].
                    var u1 = 1.0 - NextDouble(ref state);
                    var u2 = NextDouble(ref state);
                    vector[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
                }
                break;
            default:
                for (var i = 0; i < vector.Length; i++)
                    vector[i] = (float)((2 * NextDouble(ref state) - 1) * scale);
                break;
        }
    }

    private static ulong Hash(string token)
    {
        // FNV-1a over UTF-8: stable across processes, unlike string.GetHashCode.
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(token))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    private static double NextDouble(ref ulong state)
    {
        // SplitMix64.
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
