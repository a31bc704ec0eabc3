using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Builds the input tensor X[B, L, D] from the batch's distinct rows E[u, D] and LocalIndex[B*L]
/// (-1 marks padding, which reads as zeros).
/// Gradient contract: no parameters; X is written with <c>=</c>, or <c>+=</c> when accumulating a second
/// channel (multichannel sums the static channel in: the shared filters make conv(Xs) + conv(Xn) = conv(Xs + Xn)).
/// The backward pass is <see cref="RowGradient"/>.
/// </summary>
public static class Gather
{
    public static void Forward(float[] rows, int[] localIndex, int dim, float[] x, bool accumulate)
    {
        for (int p = 0; p < localIndex.Length; p++)
        {
            int row = localIndex[p];
            for (int d = 0; d < dim; d++)
            {
                float v = row < 0 ? 0f : rows[row * dim + d];
                x[p * dim + d] = accumulate ? x[p * dim + d] + v : v;
            }
        }
    }

    internal static void Kernel(Index1D thread, int threads, int positions, int dim, int accumulate,
        ArrayView<float> rows, ArrayView<int> localIndex, ArrayView<float> x)
    {
        int items = positions * dim;
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int row = localIndex[i / dim];
            float v = row < 0 ? 0f : rows[row * dim + i % dim];
            x[i] = accumulate != 0 ? x[i] + v : v;
        }
    }
}

public sealed class GatherKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>> _kernel;

    public GatherKernel(ComputeDevice device)
    {
        _device = device;
        _kernel = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>>(Gather.Kernel);
    }

    public void Forward(ArrayView<float> rows, ArrayView<int> localIndex, int positions, int dim, ArrayView<float> x, bool accumulate)
    {
        int threads = Work.Threads(_device, (long)positions * dim);
        _kernel(threads, threads, positions, dim, accumulate ? 1 : 0, rows, localIndex, x);
    }
}
