using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Zeiler's Adadelta exactly as in Kim's code (rho 0.95, eps 1e-6 there):
/// Eg2 = rho·Eg2 + (1-rho)·g²; step = sqrt(Edx2 + eps) / sqrt(Eg2 + eps) · g; Edx2 = rho·Edx2 + (1-rho)·step²; w -= step.
/// Gradient contract: reads g (the summed gradients); updates w, Eg2 and Edx2 in place; g is left as is
/// (the caller zeroes it before the next accumulation).
/// </summary>
public static class Adadelta
{
    public static void Update(float[] w, float[] g, float[] eg2, float[] edx2, int count, float rho, float eps)
    {
        for (int i = 0; i < count; i++) Step(i, w, g, eg2, edx2, rho, eps);
    }

    private static void Step(int i, Span<float> w, Span<float> g, Span<float> eg2, Span<float> edx2, float rho, float eps)
    {
        float gi = g[i];
        float e = rho * eg2[i] + (1f - rho) * gi * gi;
        float step = MathF.Sqrt(edx2[i] + eps) / MathF.Sqrt(e + eps) * gi;
        eg2[i] = e;
        edx2[i] = rho * edx2[i] + (1f - rho) * step * step;
        w[i] -= step;
    }

    internal static void Kernel(Index1D thread, int threads, int count, float rho, float eps,
        ArrayView<float> w, ArrayView<float> g, ArrayView<float> eg2, ArrayView<float> edx2)
    {
        int end = Work.Start(thread + 1, threads, count);
        for (int i = Work.Start(thread, threads, count); i < end; i++)
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

public sealed class AdadeltaKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, float, float, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _kernel;

    public AdadeltaKernel(ComputeDevice device)
    {
        _device = device;
        _kernel = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, float, float, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Adadelta.Kernel);
    }

    public void Update(ArrayView<float> w, ArrayView<float> g, ArrayView<float> eg2, ArrayView<float> edx2, int count, float rho, float eps)
    {
        int threads = Work.Threads(_device, count);
        _kernel(threads, threads, count, rho, eps, w, g, eg2, edx2);
    }
}
