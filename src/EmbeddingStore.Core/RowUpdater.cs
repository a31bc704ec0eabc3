using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Applies one push to one row record, in place, under FASTER's record lock. Optimizer state lives in
/// the record beside the vector, so a row's update and its state change together or not at all.
/// The version is taken under the lock too: for any one row, versions then grow in the order the
/// updates were applied, which is what lets log replay keep the newest after-image.
/// </summary>
internal sealed class RowUpdater(PushKind kind, OptimizerSettings optimizer, Func<long> nextVersion) : IRecordUpdater
{
    /// <summary>The highest version this updater has written.</summary>
    public long LastVersion { get; private set; }

    /// <summary>The values for the row being updated; set before each RMW (one updater serves a whole push).</summary>
    public ReadOnlyMemory<float> Values { get; set; }

    /// <summary>
    /// Whether <see cref="Apply"/> checks each result and leaves a row whose result would not be finite as it was. Off for
    /// a push whose results are finite whatever its rows hold (<c>Store.CannotOverflow</c>): the check copies each record
    /// first, work the hot path need not do when it cannot refuse.
    /// </summary>
    public bool GuardsResults { get; init; } = true;

    /// <summary>
    /// True when the last <see cref="Apply"/> left the row as it was because the result would not have been finite (a
    /// concurrent push moved the row after <see cref="WouldLeaveNonFinite"/> checked it).
    /// </summary>
    public bool Refused { get; private set; }

    public void Apply(Span<byte> value)
    {
        if (GuardsResults)
        {
            Refused = !ComputeIfFinite(value);
            if (Refused) return;
        }
        else Compute(value);
        var version = nextVersion();
        RowRecord.SetVersion(value, version);
        LastVersion = Math.Max(LastVersion, version);
    }

    /// <summary>Applies the update unless its result would not be finite; then the record is left as it was.</summary>
    private bool ComputeIfFinite(Span<byte> value)
    {
        var length = RowRecord.UsedLength(value);
        var before = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            value[..length].CopyTo(before);
            Compute(value);
            if (FirstNonFinite(value) is null) return true;
            before.AsSpan(0, length).CopyTo(value);
            return false;
        }
        finally { ArrayPool<byte>.Shared.Return(before); }
    }

    /// <summary>
    /// Applies the update to <paramref name="copy"/> (a copy of the row's record, which it changes) and says what would
    /// not be finite afterwards: null when everything is, else which float (vector or optimizer state) and its value.
    /// </summary>
    public string? WouldLeaveNonFinite(Span<byte> copy)
    {
        Compute(copy);
        return FirstNonFinite(copy);
    }

    private static string? FirstNonFinite(Span<byte> value)
    {
        var vector = RowRecord.Vector(value);
        var state = RowRecord.State(value);
        // One vectorized pass each (the largest magnitude is NaN or infinite when any value is); the offender is looked
        // up only when there is one.
        if (float.IsFinite(TensorPrimitives.MaxMagnitude(vector)) && (state.IsEmpty || float.IsFinite(TensorPrimitives.MaxMagnitude(state))))
            return null;
        for (var i = 0; i < vector.Length; i++)
            if (!float.IsFinite(vector[i])) return $"value {i} would become {vector[i]}";
        for (var i = 0; i < state.Length; i++)
            if (!float.IsFinite(state[i])) return $"optimizer state {i} would become {state[i]}";
        return null;
    }

    private void Compute(Span<byte> value)
    {
        var w = RowRecord.Vector(value);
        var g = Values.Span;
        switch (kind)
        {
            case PushKind.Assign:
                g.CopyTo(w);
                break;
            case PushKind.Delta:
                for (var i = 0; i < w.Length; i++) w[i] += g[i];
                break;
            default:
                ApplyGradient(value, w, g);
                break;
        }
    }

    /// <summary>
    /// Adadelta over whole SIMD vectors; returns where the scalar loop takes over. The operations are the scalar
    /// loop's, in the same order and without fused multiply-adds, so every element comes out bit for bit the same.
    /// </summary>
    private static int AdadeltaVectorized(Span<float> w, ReadOnlySpan<float> g, Span<float> eg2, Span<float> edx2, float rho, float eps, float lr)
    {
        if (!Vector.IsHardwareAccelerated) return 0;
        var width = Vector<float>.Count;
        var vRho = new Vector<float>(rho);
        var vKeep = new Vector<float>(1 - rho);
        var vEps = new Vector<float>(eps);
        var vLr = new Vector<float>(lr);
        var i = 0;
        for (; i + width <= w.Length; i += width)
        {
            var gi = new Vector<float>(g[i..]);
            var e = vRho * new Vector<float>(eg2[i..]) + vKeep * gi * gi;
            var step = Vector.SquareRoot(new Vector<float>(edx2[i..]) + vEps) / Vector.SquareRoot(e + vEps) * gi;
            var d = vRho * new Vector<float>(edx2[i..]) + vKeep * step * step;
            e.CopyTo(eg2[i..]);
            d.CopyTo(edx2[i..]);
            (new Vector<float>(w[i..]) - vLr * step).CopyTo(w[i..]);
        }
        return i;
    }

    private void ApplyGradient(Span<byte> value, Span<float> w, ReadOnlySpan<float> g)
    {
        var state = RowRecord.State(value);
        var dim = w.Length;
        var lr = optimizer.LearningRate;
        var eps = optimizer.Epsilon;
        switch (optimizer.Kind)
        {
            case OptimizerKind.Sgd:
                for (var i = 0; i < dim; i++) w[i] -= lr * g[i];
                break;
            case OptimizerKind.Adagrad:
                for (var i = 0; i < dim; i++)
                {
                    state[i] += g[i] * g[i];
                    w[i] -= lr * g[i] / (MathF.Sqrt(state[i]) + eps);
                }
                break;
            case OptimizerKind.Adadelta:
                {
                    // Zeiler (2012) as in Kim's code: state[0..dim) = E[g^2], state[dim..2dim) = E[dx^2].
                    var rho = optimizer.Rho;
                    var i = AdadeltaVectorized(w, g, state[..dim], state[dim..], rho, eps, lr);
                    for (; i < dim; i++)
                    {
                        ref var eg2 = ref state[i];
                        ref var edx2 = ref state[dim + i];
                        eg2 = rho * eg2 + (1 - rho) * g[i] * g[i];
                        var step = MathF.Sqrt(edx2 + eps) / MathF.Sqrt(eg2 + eps) * g[i];
                        edx2 = rho * edx2 + (1 - rho) * step * step;
                        w[i] -= lr * step;
                    }
                    break;
                }
            case OptimizerKind.LazyAdam:
                {
                    // Per-row step count: rows absent from a push keep their moments and their bias correction.
                    var t = RowRecord.Step(value) + 1;
                    RowRecord.SetStep(value, t);
                    float b1 = optimizer.Rho, b2 = optimizer.Beta2;
                    var c1 = 1 - MathF.Pow(b1, t);
                    var c2 = 1 - MathF.Pow(b2, t);
                    for (var i = 0; i < dim; i++)
                    {
                        ref var m = ref state[i];
                        ref var v = ref state[dim + i];
                        m = b1 * m + (1 - b1) * g[i];
                        v = b2 * v + (1 - b2) * g[i] * g[i];
                        w[i] -= lr * (m / c1) / (MathF.Sqrt(v / c2) + eps);
                    }
                    break;
                }
        }
    }
}
