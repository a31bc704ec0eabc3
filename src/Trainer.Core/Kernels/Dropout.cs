using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Inverted dropout on the penultimate features: at training time an element survives with probability
/// 1 - rate and is scaled by 1 / (1 - rate), so evaluation is the identity (the caller skips this layer).
/// The keep decision for element i of training step `step` is <see cref="CounterRng.Uniform"/>(seed, step, i) ≥ rate,
/// identical on every device. Mask[i] holds the applied factor (0 or 1/(1-rate)).
/// Gradient contract: no parameters; Z, Mask and dH are written with <c>=</c>.
/// </summary>
public static class Dropout
{
    public static float Factor(uint seed, uint step, int index, float rate) =>
        CounterRng.Uniform(seed, step, (uint)index) >= rate ? 1f / (1f - rate) : 0f;

    public static void Forward(ReadOnlySpan<float> h, Span<float> z, Span<float> mask, int count, uint seed, uint step, float rate)
    {
        for (int i = 0; i < count; i++)
        {
            mask[i] = Factor(seed, step, i, rate);
            z[i] = h[i] * mask[i];
        }
    }

    public static void Backward(ReadOnlySpan<float> dz, ReadOnlySpan<float> mask, Span<float> dh, int count)
    {
        for (int i = 0; i < count; i++) dh[i] = dz[i] * mask[i];
    }

    internal static void ForwardKernel(Index1D thread, int threads, int count, uint seed, uint step, float rate,
        ArrayView<float> h, ArrayView<float> z, ArrayView<float> mask)
    {
        int end = Work.Start(thread + 1, threads, count);
        for (int i = Work.Start(thread, threads, count); i < end; i++)
        {
            float m = Factor(seed, step, i, rate);
            mask[i] = m;
            z[i] = h[i] * m;
        }
    }

    internal static void BackwardKernel(Index1D thread, int threads, int count, ArrayView<float> dz, ArrayView<float> mask, ArrayView<float> dh)
    {
        int end = Work.Start(thread + 1, threads, count);
        for (int i = Work.Start(thread, threads, count); i < end; i++) dh[i] = dz[i] * mask[i];
    }
}

public sealed class DropoutKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, uint, uint, float, ArrayView<float>, ArrayView<float>, ArrayView<float>> _forward;
    private readonly Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> _backward;

    public DropoutKernel(ComputeDevice device)
    {
        _device = device;
        _forward = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, uint, uint, float, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dropout.ForwardKernel);
        _backward = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dropout.BackwardKernel);
    }

    public void Forward(ArrayView<float> h, ArrayView<float> z, ArrayView<float> mask, int count, uint seed, uint step, float rate)
    {
        int threads = Work.Threads(_device, count);
        _forward(threads, threads, count, seed, step, rate, h, z, mask);
    }

    public void Backward(ArrayView<float> dz, ArrayView<float> mask, ArrayView<float> dh, int count)
    {
        int threads = Work.Threads(_device, count);
        _backward(threads, threads, count, dz, mask, dh);
    }
}
