using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Fully connected output layer: logits[b, k] = bd[k] + Σ_h Wd[k, h] · Z[b, h].
/// Layouts: Z[B, H], Wd[K, H] (one row per class, which max-norm constrains), bd[K], logits[B, K].
/// Gradient contract: dWd +=, dbd +=, dZ = .
/// </summary>
public static class Dense
{
    public static void Forward(int batch, int inputs, int classes, ReadOnlySpan<float> z, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> logits)
    {
        for (int b = 0; b < batch; b++)
            for (int k = 0; k < classes; k++)
            {
                float sum = 0f;
                for (int h = 0; h < inputs; h++) sum += w[k * inputs + h] * z[b * inputs + h];
                logits[b * classes + k] = sum + bias[k];
            }
    }

    public static void Backward(int batch, int inputs, int classes, ReadOnlySpan<float> z, ReadOnlySpan<float> w, ReadOnlySpan<float> dLogits,
        Span<float> dw, Span<float> dBias, Span<float> dz)
    {
        for (int k = 0; k < classes; k++)
            for (int b = 0; b < batch; b++)
            {
                float g = dLogits[b * classes + k];
                dBias[k] += g;
                for (int h = 0; h < inputs; h++) dw[k * inputs + h] += g * z[b * inputs + h];
            }
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < inputs; h++)
            {
                float sum = 0f;
                for (int k = 0; k < classes; k++) sum += dLogits[b * classes + k] * w[k * inputs + h];
                dz[b * inputs + h] = sum;
            }
    }

    internal static void ForwardKernel(Index1D thread, int threads, int batch, int inputs, int classes,
        ArrayView<float> z, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> logits)
    {
        int items = batch * classes;
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int b = i / classes, k = i % classes;
            float sum = 0f;
            for (int h = 0; h < inputs; h++) sum += w[k * inputs + h] * z[b * inputs + h];
            logits[i] = sum + bias[k];
        }
    }

    // Item k * (inputs + 1) + h is dWd[k, h]; h == inputs is dbd[k]. One writer per element, no atomics.
    internal static void WeightGradKernel(Index1D thread, int threads, int batch, int inputs, int classes,
        ArrayView<float> z, ArrayView<float> dLogits, ArrayView<float> dw, ArrayView<float> dBias)
    {
        int items = classes * (inputs + 1);
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int k = i / (inputs + 1), h = i % (inputs + 1);
            float sum = 0f;
            if (h == inputs)
            {
                for (int b = 0; b < batch; b++) sum += dLogits[b * classes + k];
                dBias[k] += sum;
            }
            else
            {
                for (int b = 0; b < batch; b++) sum += dLogits[b * classes + k] * z[b * inputs + h];
                dw[k * inputs + h] += sum;
            }
        }
    }

    internal static void InputGradKernel(Index1D thread, int threads, int batch, int inputs, int classes,
        ArrayView<float> w, ArrayView<float> dLogits, ArrayView<float> dz)
    {
        int items = batch * inputs;
        int end = Work.Start(thread + 1, threads, items);
        for (int i = Work.Start(thread, threads, items); i < end; i++)
        {
            int b = i / inputs, h = i % inputs;
            float sum = 0f;
            for (int k = 0; k < classes; k++) sum += dLogits[b * classes + k] * w[k * inputs + h];
            dz[i] = sum;
        }
    }
}

public sealed class DenseKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _forward;
    private readonly Action<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _weightGrad;
    private readonly Action<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> _inputGrad;

    public DenseKernel(ComputeDevice device)
    {
        _device = device;
        var acc = device.Accelerator;
        _forward = acc.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dense.ForwardKernel);
        _weightGrad = acc.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dense.WeightGradKernel);
        _inputGrad = acc.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Dense.InputGradKernel);
    }

    public void Forward(int batch, int inputs, int classes, ArrayView<float> z, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> logits)
    {
        int threads = Work.Threads(_device, (long)batch * classes);
        _forward(threads, threads, batch, inputs, classes, z, w, bias, logits);
    }

    public void Backward(int batch, int inputs, int classes, ArrayView<float> z, ArrayView<float> w, ArrayView<float> dLogits,
        ArrayView<float> dw, ArrayView<float> dBias, ArrayView<float> dz)
    {
        int threads = Work.Threads(_device, (long)classes * (inputs + 1));
        _weightGrad(threads, threads, batch, inputs, classes, z, dLogits, dw, dBias);
        threads = Work.Threads(_device, (long)batch * inputs);
        _inputGrad(threads, threads, batch, inputs, classes, w, dLogits, dz);
    }
}
