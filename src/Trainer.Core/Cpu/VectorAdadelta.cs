using System.Numerics;

namespace Trainer.Core.Cpu;

/// <summary>
/// <see cref="Kernels.Adadelta"/> over <see cref="Vector{T}"/> lanes, with the reference's operations in the
/// reference's order (no fused multiply-add), so every lane rounds exactly as the scalar code does.
/// </summary>
internal static class VectorAdadelta
{
    public static void Update(Span<float> w, ReadOnlySpan<float> g, Span<float> eg2, Span<float> edx2, float rho, float eps)
    {
        int i = 0, width = Vector<float>.Count;
        var vRho = new Vector<float>(rho);
        var vKeep = new Vector<float>(1f - rho);
        var vEps = new Vector<float>(eps);
        for (; i + width <= w.Length; i += width)
        {
            var gi = new Vector<float>(g[i..]);
            var e = vRho * new Vector<float>(eg2[i..]) + vKeep * gi * gi;
            var step = Vector.SquareRoot(new Vector<float>(edx2[i..]) + vEps) / Vector.SquareRoot(e + vEps) * gi;
            e.CopyTo(eg2[i..]);
            (vRho * new Vector<float>(edx2[i..]) + vKeep * step * step).CopyTo(edx2[i..]);
            (new Vector<float>(w[i..]) - step).CopyTo(w[i..]);
        }
        for (; i < w.Length; i++)
        {
            float gi = g[i];
            float e = rho * eg2[i] + (1f - rho) * gi * gi;
            float step = MathF.Sqrt(edx2[i] + eps) / MathF.Sqrt(e + eps) * gi;
            eg2[i] = e;
            edx2[i] = rho * edx2[i] + (1f - rho) * step * step;
            w[i] -= step;
        }
    }
}
