namespace Trainer.Core.Kernels;

/// <summary>
/// Stateless random numbers from (seed, step, index): the same value whichever device or thread asks,
/// so the dropout mask of a kernel can be reproduced by the C# reference.
/// </summary>
public static class CounterRng
{
    /// <summary>Uniform in [0, 1) with 24 bits of resolution.</summary>
    public static float Uniform(uint seed, uint step, uint index)
    {
        uint h = Mix(seed ^ 0x9E3779B9u);
        h = Mix(h ^ step * 0x85EBCA6Bu);
        h = Mix(h ^ index * 0xC2B2AE35u);
        return (h >> 8) * (1.0f / 16777216.0f);
    }

    // murmur3's 32-bit finalizer: every input bit flips about half the output bits.
    private static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return h;
    }
}
