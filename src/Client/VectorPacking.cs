using System.Runtime.InteropServices;
using Google.Protobuf;

namespace EmbeddingStore.Client;

/// <summary>
/// Converts between float spans and the contract's packed little-endian float32 bytes by reinterpreting memory,
/// so a row batch is copied once each way instead of being encoded float by float.
/// This matches the wire format on little-endian hosts, which is every platform .NET runs on today.
/// </summary>
public static class VectorPacking
{
    /// <summary>Copies <paramref name="values"/> into a new ByteString.</summary>
    public static ByteString Pack(ReadOnlySpan<float> values) => ByteString.CopyFrom(MemoryMarshal.AsBytes(values));

    /// <summary>
    /// Copies <paramref name="rows"/> rows of <paramref name="dim"/> floats from <paramref name="packed"/> into
    /// <paramref name="destination"/>, which must be exactly that long.
    /// </summary>
    /// <exception cref="InvalidOperationException">Sizes disagree.</exception>
    public static void Unpack(ByteString packed, int rows, int dim, Span<float> destination)
    {
        long expected = (long)rows * dim;
        if (packed.Length != expected * sizeof(float))
            throw new InvalidOperationException($"server sent {packed.Length} bytes for {rows} rows of dim {dim} ({expected * sizeof(float)} expected)");
        if (destination.Length != expected)
            throw new InvalidOperationException($"destination holds {destination.Length} floats, {rows} rows of dim {dim} need {expected}");
        MemoryMarshal.Cast<byte, float>(packed.Span).CopyTo(destination);
    }
}
