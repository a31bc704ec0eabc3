using System.Runtime.CompilerServices;

namespace Trainer.Core.Cpu;

/// <summary>One window's filters: the parameter layout's W [Maps, h·D] and bias, and the packed copy the GEMM reads.</summary>
internal readonly unsafe struct ConvFilters(int window, float* weights, float* bias, float* packed, float* paddedBias)
{
    public readonly int Window = window;
    public readonly float* Weights = weights;
    public readonly float* Bias = bias;
    public readonly float* Packed = packed;
    public readonly float* PaddedBias = paddedBias;
}

/// <summary>The convolution layer on the CPU at one vector width; see <see cref="ConvKernels{TOps, TVec}"/>.</summary>
internal unsafe interface IConvKernels
{
    int Width { get; }
    void Forward(in ConvGeometry g, in ConvFilters filters, int window, float* sentence, int first, int end, float* scratch,
        float* pooled, int* arg);
    void WeightGradient(in ConvGeometry g, in ConvFilters filters, int window, int map, int batch, float* x, float* pooled,
        int* arg, float* dPooled, float* dWeights, float* dBias);
    void InputGradient(in ConvGeometry g, in ConvFilters filters, int window, float* pooled, int* arg, float* dPooled,
        int first, int end, float* dSentence);
    void Add(float* destination, float* source, int count);
}

/// <summary>
/// Narrow convolution + ReLU + max-over-time, forward and backward, written once over a vector width.
/// Forward, per sentence and window: C = bias + windows · W^T by <see cref="Sgemm"/> over the windows that see
/// content only, then ReLU and the running max (ties to the earliest step, as the reference) over C's rows, with
/// the padding windows' constant ReLU(bias) taken at the earliest step it occupies.
/// Backward: the max-pool passes one gradient per (sentence, map), at the arg-max, so the two GEMMs of the
/// backward pass (filter and input gradients) reduce to one axpy of length h·D per (sentence, map) with a nonzero
/// gradient: dW[f] += g · window, dX[window] += g · W[f]. Same gradient contract as <see cref="Kernels.Conv1d"/>.
/// </summary>
internal sealed unsafe class ConvKernels<TOps, TVec> : IConvKernels where TOps : IVectorOps<TVec> where TVec : struct
{
    public int Width => TOps.Width;

    /// <param name="window">Index of the window among the configuration's windows: the pooled columns start at window·Maps.</param>
    /// <param name="sentence">X of this sentence, [L, D].</param>
    /// <param name="scratch">[L, PaddedMaps] floats of this worker.</param>
    /// <param name="pooled">This sentence's row of pooled features.</param>
    public void Forward(in ConvGeometry g, in ConvFilters filters, int window, float* sentence, int first, int end, float* scratch,
        float* pooled, int* arg)
    {
        int w = TOps.Width, n = g.PaddedMaps, h = filters.Window;
        var (lo, count) = g.ContentWindows(h, first, end);
        for (int r = 0; r < count; r++) Unsafe.CopyBlock(scratch + r * n, filters.PaddedBias, (uint)(n * sizeof(float)));
        Sgemm.MultiplyAdd<TOps, TVec>(count, n, h * g.Dim, sentence + lo * g.Dim, g.Dim, filters.Packed, scratch, n);

        int steps = g.Positions - h + 1, offset = window * g.Maps;
        bool paddingFirst = count == 0 || lo > 0, paddingLast = lo + count < steps;
        TVec zero = TOps.Broadcast(0f), negative = TOps.Broadcast(float.NegativeInfinity);
        float* best = stackalloc float[w];
        float* bestStep = stackalloc float[w];
        for (int j = 0; j < n; j += w)
        {
            TVec constant = TOps.Max(TOps.Load(filters.PaddedBias + j), zero);
            TVec max = paddingFirst ? constant : negative, at = zero;
            for (int r = 0; r < count; r++)
            {
                TVec v = TOps.Max(TOps.Load(scratch + r * n + j), zero);
                at = TOps.SelectGreater(v, max, TOps.Broadcast(lo + r), at);
                max = TOps.Max(v, max);
            }
            if (paddingLast && !paddingFirst)
            {
                at = TOps.SelectGreater(constant, max, TOps.Broadcast(lo + count), at);
                max = TOps.Max(constant, max);
            }
            TOps.Store(best, max);
            TOps.Store(bestStep, at);
            for (int f = j; f < Math.Min(j + w, g.Maps); f++)
            {
                pooled[offset + f] = best[f - j];
                arg[offset + f] = (int)bestStep[f - j];
            }
        }
    }

    /// <summary>dW[map] += Σ_b g_b · X[b, window at arg], dBias[map] += Σ_b g_b, sentences in order (as the reference).</summary>
    public void WeightGradient(in ConvGeometry g, in ConvFilters filters, int window, int map, int batch, float* x, float* pooled,
        int* arg, float* dPooled, float* dWeights, float* dBias)
    {
        int size = filters.Window * g.Dim, column = window * g.Maps + map;
        float biasSum = 0f;
        float* dw = dWeights + map * size;
        for (int b = 0; b < batch; b++)
        {
            int o = b * g.Features + column;
            float grad = dPooled[o];
            if (pooled[o] <= 0f || grad == 0f) continue;
            biasSum += grad;
            Axpy(dw, grad, x + ((long)b * g.Positions + arg[o]) * g.Dim, size);
        }
        dBias[map] += biasSum;
    }

    /// <summary>dX[b] += g · W[f] at each map's arg-max window, only into content rows [first, end) (padding rows are never pushed).</summary>
    public void InputGradient(in ConvGeometry g, in ConvFilters filters, int window, float* pooled, int* arg, float* dPooled,
        int first, int end, float* dSentence)
    {
        int h = filters.Window, size = h * g.Dim;
        for (int f = 0; f < g.Maps; f++)
        {
            int o = window * g.Maps + f;
            float grad = dPooled[o];
            if (pooled[o] <= 0f || grad == 0f) continue;
            int t = arg[o];
            int from = Math.Max(t, first), to = Math.Min(t + h, end);
            for (int p = from; p < to; p++)
                Axpy(dSentence + p * g.Dim, grad, filters.Weights + f * size + (p - t) * g.Dim, g.Dim);
        }
    }

    public void Add(float* destination, float* source, int count) => Axpy(destination, 1f, source, count);

    /// <summary>y += a · x over count floats.</summary>
    private static void Axpy(float* y, float a, float* x, int count)
    {
        int w = TOps.Width, i = 0;
        TVec va = TOps.Broadcast(a);
        for (; i + w <= count; i += w) TOps.Store(y + i, TOps.MultiplyAdd(va, TOps.Load(x + i), TOps.Load(y + i)));
        for (; i < count; i++) y[i] = MathF.FusedMultiplyAdd(a, x[i], y[i]);
    }
}
