using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Narrow convolution over time with the ReLU fused in, as in Kim's code:
/// Y[b, f, t] = max(0, bias[f] + Σ_k W[f, k] · X[b, t*D + k]), k over the h*D contiguous values of a window.
/// Layouts: X[B, L, D], W[F, h, D], bias[F], Y[B, F, L-h+1].
/// Gradient contract: dW +=, dBias +=, dX += (several windows, and both channels, feed one dX: the caller
/// zeroes dX once per batch). dY is the gradient with respect to the ReLU output; the ReLU derivative is read from Y.
/// </summary>
public static class Conv1d
{
    public static void Forward(ConvShape s, float[] x, float[] w, float[] bias, float[] y)
    {
        int hd = s.WindowSize, steps = s.Steps;
        for (int b = 0; b < s.Batch; b++)
            for (int f = 0; f < s.Filters; f++)
                for (int t = 0; t < steps; t++)
                {
                    float sum = 0f;
                    int xBase = (b * s.Length + t) * s.Dim;
                    for (int k = 0; k < hd; k++) sum += w[f * hd + k] * x[xBase + k];
                    y[(b * s.Filters + f) * steps + t] = MathF.Max(0f, sum + bias[f]);
                }
    }

    public static void Backward(ConvShape s, float[] x, float[] w, float[] y, float[] dy, float[] dw, float[] dBias, float[] dx)
    {
        int hd = s.WindowSize, steps = s.Steps;
        for (int b = 0; b < s.Batch; b++)
            for (int f = 0; f < s.Filters; f++)
                for (int t = 0; t < steps; t++)
                {
                    int o = (b * s.Filters + f) * steps + t;
                    float g = y[o] > 0f ? dy[o] : 0f;
                    if (g == 0f) continue;
                    dBias[f] += g;
                    int xBase = (b * s.Length + t) * s.Dim;
                    for (int k = 0; k < hd; k++)
                    {
                        dw[f * hd + k] += g * x[xBase + k];
                        dx[xBase + k] += g * w[f * hd + k];
                    }
                }
    }

    /// <summary>Filters and steps per forward work item.</summary>
    public const int Tile = 4;

    // Work item: a tile of 4 filters x 4 steps. Each weight load feeds four windows and each input load four
    // filters, which is what lifts the CPU accelerator's code from memory-bound to near plain-C# speed.
    // Tiles cut by the edge of F or T fall back to one dot product per output.
    // `spans` holds each sentence's [first, end) range of non-padding positions: a tile whose windows all lie
    // outside it sees only zero rows, so its outputs are ReLU(bias) without a dot product. Sentences are
    // padded to L (MR: ~20 words in 64 positions), which makes this the largest saving on real data.
    internal static void ForwardKernel(Index1D thread, int threads, ConvShape s,
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ArrayView<int> spans)
    {
        int hd = s.WindowSize, steps = s.Steps, d = s.Dim;
        int stepTiles = (steps + Tile - 1) / Tile, filterTiles = (s.Filters + Tile - 1) / Tile;
        int items = s.Batch * filterTiles * stepTiles;
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int t0 = i % stepTiles * Tile;
            int f0 = i / stepTiles % filterTiles * Tile;
            int b = i / stepTiles / filterTiles;
            int w0 = f0 * hd;
            int xb = (b * s.Length + t0) * d;
            int yb = (b * s.Filters + f0) * steps + t0;
            if (t0 >= spans[2 * b + 1] || t0 + Tile - 1 + s.Window <= spans[2 * b])
            {
                for (int f = 0; f < Tile && f0 + f < s.Filters; f++)
                    for (int t = 0; t < Tile && t0 + t < steps; t++)
                        y[yb + f * steps + t] = MathF.Max(0f, bias[f0 + f]);
            }
            else if (t0 + Tile <= steps && f0 + Tile <= s.Filters)
            {
                float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
                float p0 = 0f, p1 = 0f, p2 = 0f, p3 = 0f, q0 = 0f, q1 = 0f, q2 = 0f, q3 = 0f;
                var wu = w.SubView(w0, hd);
                var wv = w.SubView(w0 + hd, hd);
                var wm = w.SubView(w0 + 2 * hd, hd);
                var wn = w.SubView(w0 + 3 * hd, hd);
                var x0 = x.SubView(xb, hd);
                var x1 = x.SubView(xb + d, hd);
                var x2 = x.SubView(xb + 2 * d, hd);
                var x3 = x.SubView(xb + 3 * d, hd);
                for (int k = 0; k < hd; k++)
                {
                    float u = wu[k], v = wv[k], m = wm[k], n = wn[k];
                    float e0 = x0[k], e1 = x1[k], e2 = x2[k], e3 = x3[k];
                    a0 += u * e0; a1 += u * e1; a2 += u * e2; a3 += u * e3;
                    c0 += v * e0; c1 += v * e1; c2 += v * e2; c3 += v * e3;
                    p0 += m * e0; p1 += m * e1; p2 += m * e2; p3 += m * e3;
                    q0 += n * e0; q1 += n * e1; q2 += n * e2; q3 += n * e3;
                }
                StoreRelu(y, yb, bias[f0], a0, a1, a2, a3);
                StoreRelu(y, yb + steps, bias[f0 + 1], c0, c1, c2, c3);
                StoreRelu(y, yb + 2 * steps, bias[f0 + 2], p0, p1, p2, p3);
                StoreRelu(y, yb + 3 * steps, bias[f0 + 3], q0, q1, q2, q3);
            }
            else
            {
                for (int f = 0; f < Tile && f0 + f < s.Filters; f++)
                    for (int t = 0; t < Tile && t0 + t < steps; t++)
                    {
                        float a = 0f;
                        for (int k = 0; k < hd; k++) a += w[w0 + f * hd + k] * x[xb + t * d + k];
                        y[yb + f * steps + t] = MathF.Max(0f, a + bias[f0 + f]);
                    }
            }
        }
    }

    private static void StoreRelu(ArrayView<float> y, int at, float bias, float s0, float s1, float s2, float s3)
    {
        y[at] = MathF.Max(0f, s0 + bias);
        y[at + 1] = MathF.Max(0f, s1 + bias);
        y[at + 2] = MathF.Max(0f, s2 + bias);
        y[at + 3] = MathF.Max(0f, s3 + bias);
    }

    // Work item: filter f and a block of `block` weights of it; it alone writes those dW (and dBias when
    // it holds the first block), so no atomics are needed. The max-pool leaves one nonzero dY per (b, f),
    // so skipping zeros makes this cheap.
    internal static void WeightGradKernel(Index1D thread, int threads, ConvShape s, int block,
        ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> dBias)
    {
        int hd = s.WindowSize, steps = s.Steps;
        int blocks = (hd + block - 1) / block;
        int items = s.Filters * blocks;
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int f = i / blocks;
            int k0 = i % blocks * block;
            int k1 = Math.Min(hd, k0 + block);
            var dwf = dw.SubView(f * hd + k0, k1 - k0);
            float biasSum = 0f;
            for (int b = 0; b < s.Batch; b++)
                for (int t = 0; t < steps; t++)
                {
                    int o = (b * s.Filters + f) * steps + t;
                    if (y[o] <= 0f) continue;
                    float g = dy[o];
                    if (g == 0f) continue;
                    biasSum += g;
                    var xw = x.SubView((b * s.Length + t) * s.Dim + k0, k1 - k0);
                    for (int k = 0; k < xw.IntLength; k++) dwf[k] += g * xw[k];
                }
            if (k0 == 0) dBias[f] += biasSum;
        }
    }

    // Work item: sentence b and a block of `block` of the D columns; it alone writes those columns of dX[b],
    // so no atomics are needed. It scans dY[b] in memory order and skips the zeros the max-pool left.
    internal static void InputGradKernel(Index1D thread, int threads, ConvShape s, int block,
        ArrayView<float> w, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        int hd = s.WindowSize, steps = s.Steps, dim = s.Dim;
        int blocks = (dim + block - 1) / block;
        int items = s.Batch * blocks;
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int b = i / blocks;
            int d0 = i % blocks * block;
            int d1 = Math.Min(dim, d0 + block);
            for (int f = 0; f < s.Filters; f++)
                for (int t = 0; t < steps; t++)
                {
                    int o = (b * s.Filters + f) * steps + t;
                    if (y[o] <= 0f) continue;
                    float g = dy[o];
                    if (g == 0f) continue;
                    int xBase = (b * s.Length + t) * dim;
                    for (int j = 0; j < s.Window; j++)
                    {
                        var dxj = dx.SubView(xBase + j * dim + d0, d1 - d0);
                        var wj = w.SubView(f * hd + j * dim + d0, d1 - d0);
                        for (int d = 0; d < dxj.IntLength; d++) dxj[d] += g * wj[d];
                    }
                }
        }
    }
}

public sealed class Conv1dKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, ConvShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>> _forward;
    private readonly Action<Index1D, int, ConvShape, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _weightGrad;
    private readonly Action<Index1D, int, ConvShape, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _inputGrad;

    public Conv1dKernel(ComputeDevice device)
    {
        _device = device;
        var acc = device.Accelerator;
        _forward = acc.LoadAutoGroupedStreamKernel<Index1D, int, ConvShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(Conv1d.ForwardKernel);
        _weightGrad = acc.LoadAutoGroupedStreamKernel<Index1D, int, ConvShape, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Conv1d.WeightGradKernel);
        _inputGrad = acc.LoadAutoGroupedStreamKernel<Index1D, int, ConvShape, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Conv1d.InputGradKernel);
    }

    /// <param name="spans">[first, end) of each sentence's non-padding positions (<see cref="SentenceSpans"/>); X must be zero outside.</param>
    public void Forward(ConvShape s, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, ArrayView<int> spans)
    {
        int threads = Work.Threads(_device, (long)s.Batch * ((s.Filters + Conv1d.Tile - 1) / Conv1d.Tile) * ((s.Steps + Conv1d.Tile - 1) / Conv1d.Tile));
        _forward(threads, threads, s, x, w, bias, y, spans);
    }

    public void Backward(ConvShape s, ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, ArrayView<float> dy,
        ArrayView<float> dw, ArrayView<float> dBias, ArrayView<float> dx)
    {
        // A CPU thread takes whole rows so its inner loop runs over contiguous memory; a GPU thread takes one element.
        int weightBlock = _device.Backend == ComputeBackend.Cpu ? s.WindowSize : 1;
        int threads = Work.Threads(_device, (long)s.Filters * ((s.WindowSize + weightBlock - 1) / weightBlock));
        _weightGrad(threads, threads, s, weightBlock, x, y, dy, dw, dBias);

        int inputBlock = _device.Backend == ComputeBackend.Cpu ? s.Dim : 1;
        threads = Work.Threads(_device, (long)s.Batch * ((s.Dim + inputBlock - 1) / inputBlock));
        _inputGrad(threads, threads, s, inputBlock, w, y, dy, dx);
    }
}
