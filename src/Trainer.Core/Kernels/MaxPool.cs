using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Max over time of each feature map, remembering where the max was.
/// Layouts: Y[B, F, T] → P[b * stride + offset + f] (one window's slice of the concatenated features) and Arg[B, F].
/// Gradient contract: no parameters; dY is written with <c>=</c> (dP at the argmax, zero elsewhere).
/// Ties go to the earliest step, in the reference and the kernel alike.
/// </summary>
public static class MaxPool
{
    public static void Forward(int batch, int filters, int steps, float[] y, float[] pooled, int stride, int offset, int[] arg)
    {
        for (int bf = 0; bf < batch * filters; bf++)
        {
            int best = 0;
            for (int t = 1; t < steps; t++)
                if (y[bf * steps + t] > y[bf * steps + best]) best = t;
            arg[bf] = best;
            pooled[bf / filters * stride + offset + bf % filters] = y[bf * steps + best];
        }
    }

    public static void Backward(int batch, int filters, int steps, float[] dPooled, int stride, int offset, int[] arg, float[] dy)
    {
        for (int bf = 0; bf < batch * filters; bf++)
            for (int t = 0; t < steps; t++)
                dy[bf * steps + t] = t == arg[bf] ? dPooled[bf / filters * stride + offset + bf % filters] : 0f;
    }

    internal static void ForwardKernel(Index1D thread, int threads, int batch, int filters, int steps, int stride, int offset,
        ArrayView<float> y, ArrayView<float> pooled, ArrayView<int> arg)
    {
        int items = batch * filters;
        int end = Work.Start(thread + 1, threads, items);
        for (int bf = Work.Start(thread, threads, items); bf < end; bf++)
        {
            int best = 0;
            float max = y[bf * steps];
            for (int t = 1; t < steps; t++)
            {
                float v = y[bf * steps + t];
                if (v > max) { max = v; best = t; }
            }
            arg[bf] = best;
            pooled[bf / filters * stride + offset + bf % filters] = max;
        }
    }

    internal static void BackwardKernel(Index1D thread, int threads, int batch, int filters, int steps, int stride, int offset,
        ArrayView<float> dPooled, ArrayView<int> arg, ArrayView<float> dy)
    {
        int items = batch * filters;
        int end = Work.Start(thread + 1, threads, items);
        for (int bf = Work.Start(thread, threads, items); bf < end; bf++)
        {
            int best = arg[bf];
            float g = dPooled[bf / filters * stride + offset + bf % filters];
            for (int t = 0; t < steps; t++) dy[bf * steps + t] = t == best ? g : 0f;
        }
    }
}

public sealed class MaxPoolKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>> _forward;
    private readonly Action<Index1D, int, int, int, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>> _backward;

    public MaxPoolKernel(ComputeDevice device)
    {
        _device = device;
        _forward = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>>(MaxPool.ForwardKernel);
        _backward = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>>(MaxPool.BackwardKernel);
    }

    public void Forward(int batch, int filters, int steps, ArrayView<float> y, ArrayView<float> pooled, int stride, int offset, ArrayView<int> arg)
    {
        int threads = Work.Threads(_device, (long)batch * filters);
        _forward(threads, threads, batch, filters, steps, stride, offset, y, pooled, arg);
    }

    public void Backward(int batch, int filters, int steps, ArrayView<float> dPooled, int stride, int offset, ArrayView<int> arg, ArrayView<float> dy)
    {
        int threads = Work.Threads(_device, (long)batch * filters);
        _backward(threads, threads, batch, filters, steps, stride, offset, dPooled, arg, dy);
    }
}
