using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// Softmax with the negative log-likelihood of the gold class, averaged over the batch (Kim's loss).
/// Layouts: logits[B, K], labels[B] → loss[B] (per example; the caller averages), dLogits[B, K], predictions[B].
/// Gradient contract: no parameters; dLogits = (softmax - onehot) / B, written with <c>=</c>.
/// Predictions are the first arg-max. <see cref="Probabilities"/> is the evaluation variant (no labels).
/// </summary>
public static class SoftmaxCrossEntropy
{
    public static void Forward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> loss, Span<float> dLogits,
        Span<int> predictions)
    {
        for (int b = 0; b < batch; b++)
        {
            int o = b * classes;
            int best = 0;
            for (int k = 1; k < classes; k++) if (logits[o + k] > logits[o + best]) best = k;
            float max = logits[o + best], sum = 0f;
            for (int k = 0; k < classes; k++) sum += MathF.Exp(logits[o + k] - max);
            loss[b] = MathF.Log(sum) + max - logits[o + labels[b]];
            for (int k = 0; k < classes; k++)
                dLogits[o + k] = (MathF.Exp(logits[o + k] - max) / sum - (k == labels[b] ? 1f : 0f)) / batch;
            predictions[b] = best;
        }
    }

    public static void Probabilities(int batch, int classes, ReadOnlySpan<float> logits, Span<float> probabilities, Span<int> predictions)
    {
        for (int b = 0; b < batch; b++)
        {
            int o = b * classes;
            int best = 0;
            for (int k = 1; k < classes; k++) if (logits[o + k] > logits[o + best]) best = k;
            float max = logits[o + best], sum = 0f;
            for (int k = 0; k < classes; k++) sum += MathF.Exp(logits[o + k] - max);
            for (int k = 0; k < classes; k++) probabilities[o + k] = MathF.Exp(logits[o + k] - max) / sum;
            predictions[b] = best;
        }
    }

    internal static void ForwardKernel(Index1D thread, int threads, int batch, int classes,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> loss, ArrayView<float> dLogits, ArrayView<int> predictions)
    {
        int end = Work.Start(thread + 1, threads, batch);
        for (int b = Work.Start(thread, threads, batch); b < end; b++)
        {
            int o = b * classes;
            float sum = ExpSum(logits, o, classes, out int best, out float max);
            int label = labels[b];
            loss[b] = MathF.Log(sum) + max - logits[o + label];
            for (int k = 0; k < classes; k++)
                dLogits[o + k] = (MathF.Exp(logits[o + k] - max) / sum - (k == label ? 1f : 0f)) / batch;
            predictions[b] = best;
        }
    }

    internal static void ProbabilitiesKernel(Index1D thread, int threads, int batch, int classes,
        ArrayView<float> logits, ArrayView<float> probabilities, ArrayView<int> predictions)
    {
        int end = Work.Start(thread + 1, threads, batch);
        for (int b = Work.Start(thread, threads, batch); b < end; b++)
        {
            int o = b * classes;
            float sum = ExpSum(logits, o, classes, out int best, out float max);
            for (int k = 0; k < classes; k++) probabilities[o + k] = MathF.Exp(logits[o + k] - max) / sum;
            predictions[b] = best;
        }
    }

    /// <summary>Arg-max, max and the sum of exp(logit - max) of one row: the shared start of both kernels.</summary>
    private static float ExpSum(ArrayView<float> logits, int o, int classes, out int best, out float max)
    {
        best = 0;
        max = logits[o];
        for (int k = 1; k < classes; k++) if (logits[o + k] > max) { max = logits[o + k]; best = k; }
        float sum = 0f;
        for (int k = 0; k < classes; k++) sum += MathF.Exp(logits[o + k] - max);
        return sum;
    }
}

public sealed class SoftmaxCrossEntropyKernel
{
    private readonly ComputeDevice _device;
    private readonly Action<Index1D, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>> _forward;
    private readonly Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>> _probabilities;

    public SoftmaxCrossEntropyKernel(ComputeDevice device)
    {
        _device = device;
        _forward = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(SoftmaxCrossEntropy.ForwardKernel);
        _probabilities = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<int>>(SoftmaxCrossEntropy.ProbabilitiesKernel);
    }

    public void Forward(int batch, int classes, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> loss, ArrayView<float> dLogits, ArrayView<int> predictions)
    {
        int threads = Work.Threads(_device, batch);
        _forward(threads, threads, batch, classes, logits, labels, loss, dLogits, predictions);
    }

    public void Probabilities(int batch, int classes, ArrayView<float> logits, ArrayView<float> probabilities, ArrayView<int> predictions)
    {
        int threads = Work.Threads(_device, batch);
        _probabilities(threads, threads, batch, classes, logits, probabilities, predictions);
    }
}
