namespace Trainer.Core.Cpu;

/// <summary>
/// Sizes the CPU convolution kernels share for one batch: X [B, L, D]; for window i, packed filters
/// [h_i·D, PaddedMaps] (maps padded with zero columns to a multiple of the vector width); pooled features and
/// their arg-max [B, Features], window i's maps at columns i·Maps.
/// </summary>
internal readonly struct ConvGeometry(int positions, int dim, int maps, int paddedMaps, int features)
{
    public readonly int Positions = positions;
    public readonly int Dim = dim;
    public readonly int Maps = maps;
    public readonly int PaddedMaps = paddedMaps;
    public readonly int Features = features;

    /// <summary>
    /// Windows of sentence positions [first, end) that see any content: t in [first-h+1, end-1], clipped to the
    /// steps [0, L-h]. Every other window sees only zero rows, so its output is ReLU(bias) without a product.
    /// Count is 0 for a sentence of padding only.
    /// </summary>
    public (int Lo, int Count) ContentWindows(int window, int first, int end)
    {
        if (first >= end) return (0, 0);
        int lo = Math.Max(0, first - window + 1), hi = Math.Min(Positions - window, end - 1);
        return (lo, Math.Max(0, hi - lo + 1));
    }
}
