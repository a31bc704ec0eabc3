using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Kim's max-norm constraint on the softmax weights, applied after every update. His W is (H, K) and he
/// rescales each column, i.e. each class's weight vector; our Wd is [K, H], so the same vectors are rows.
/// Like his code, every row is multiplied by min(norm, s) / (1e-7 + norm) (so rows under the limit shrink
/// by a negligible factor too). In-place on the weights; no gradients involved.
/// </summary>
public static class MaxNorm
{
    public static void Apply(Span<float> w, int rows, int cols, float limit)
    {
        for (int r = 0; r < rows; r++)
        {
            float sq = 0f;
            for (int c = 0; c < cols; c++) sq += w[r * cols + c] * w[r * cols + c];
            float norm = MathF.Sqrt(sq);
            float scale = MathF.Min(norm, limit) / (1e-7f + norm);
            for (int c = 0; c < cols; c++) w[r * cols + c] *= scale;
        }
    }

    internal static void Kernel(Index1D thread, int threads, int rows, int cols, float limit, ArrayView<float> w)
    {
        int end = Work.Start(thread + 1, threads, rows);
        for (int r = Work.Start(thread, threads, rows); r < end; r++)
        {
            float sq = 0f;
            for (int c = 0; c < cols; c++) sq += w[r * cols + c] * w[r * cols + c];
            float norm = MathF.Sqrt(sq);
            float scale = MathF.Min(norm, limit) / (1e-7f + norm);
            for (int c = 0; c < cols; c++) w[r * cols + c] *= scale;
        }
    }
}

public sealed class MaxNormKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, int, float, ArrayView<float>> _kernel;

    public MaxNormKernel(ComputeDevice device)
    {
        _device = device;
        _kernel = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, int, float, ArrayView<float>>(MaxNorm.Kernel);
    }

    public void Apply(ArrayView<float> w, int rows, int cols, float limit)
    {
        int threads = Work.Threads(_device, rows);
        _kernel(threads, threads, rows, cols, limit, w);
    }
}
