using Trainer.Core.Kernels;
using static Trainer.Tests.Kernels.FiniteDifference;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Kernels;

/// <summary>
/// Every reference backward pass against finite differences of its forward pass. The kernels are tested
/// equal to these references, so this covers them too.
/// </summary>
public sealed class GradientCheckTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Conv1dBackward_MatchesFiniteDifferences(int window)
    {
        var random = new Random(window);
        var s = new ConvShape(2, 6, 3, window, 2);
        var x = Uniform(random, s.Batch * s.Length * s.Dim);
        var w = Uniform(random, s.Filters * s.WindowSize);
        var bias = Uniform(random, s.Filters, 0.2f);
        var r = Uniform(random, s.Batch * s.Filters * s.Steps);
        var y = new float[r.Length];
        double Objective() { Conv1d.Forward(s, x, w, bias, y); return Dot(r, y); }
        Objective();
        var (dw, dBias, dx) = (new float[w.Length], new float[bias.Length], new float[x.Length]);
        Conv1d.Backward(s, x, w, y, r, dw, dBias, dx);

        Assert.Contains(0f, y);
        Check(x, Objective, dx, "X");
        Check(w, Objective, dw, "W");
        Check(bias, Objective, dBias, "bias");
    }

    [Fact]
    public void MaxPoolBackward_MatchesFiniteDifferences()
    {
        var random = new Random(2);
        const int batch = 2, filters = 3, steps = 5, stride = 7, offset = 2;
        var y = Uniform(random, batch * filters * steps);
        var r = Uniform(random, batch * stride);
        var pooled = new float[batch * stride];
        var arg = new int[batch * filters];
        double Objective() { MaxPool.Forward(batch, filters, steps, y, pooled, stride, offset, arg); return Dot(r, pooled); }
        Objective();
        var dy = new float[y.Length];
        MaxPool.Backward(batch, filters, steps, r, stride, offset, arg, dy);
        Check(y, Objective, dy, "Y");
    }

    [Fact]
    public void DropoutBackward_MatchesFiniteDifferences()
    {
        var random = new Random(3);
        var h = Uniform(random, 20);
        var r = Uniform(random, 20);
        var (z, mask) = (new float[20], new float[20]);
        double Objective() { Dropout.Forward(h, z, mask, 20, 5, 1, 0.5f); return Dot(r, z); }
        Objective();
        var dh = new float[20];
        Dropout.Backward(r, mask, dh, 20);
        Check(h, Objective, dh, "H");
    }

    [Fact]
    public void DenseBackward_MatchesFiniteDifferences()
    {
        var random = new Random(4);
        const int batch = 2, inputs = 5, classes = 3;
        var z = Uniform(random, batch * inputs);
        var w = Uniform(random, classes * inputs);
        var bias = Uniform(random, classes);
        var r = Uniform(random, batch * classes);
        var logits = new float[r.Length];
        double Objective() { Dense.Forward(batch, inputs, classes, z, w, bias, logits); return Dot(r, logits); }
        var (dw, dBias, dz) = (new float[w.Length], new float[classes], new float[z.Length]);
        Dense.Backward(batch, inputs, classes, z, w, r, dw, dBias, dz);
        Check(z, Objective, dz, "Z");
        Check(w, Objective, dw, "Wd");
        Check(bias, Objective, dBias, "bd");
    }

    [Fact]
    public void SoftmaxCrossEntropyGradient_MatchesFiniteDifferencesOfMeanLoss()
    {
        var random = new Random(5);
        const int batch = 3, classes = 4;
        var logits = Uniform(random, batch * classes, 2f);
        int[] labels = [0, 3, 1];
        var (loss, dLogits, predictions) = (new float[batch], new float[logits.Length], new int[batch]);
        var scratch = new float[logits.Length];
        double Objective() { SoftmaxCrossEntropy.Forward(batch, classes, logits, labels, loss, scratch, predictions); return loss.Average(); }
        SoftmaxCrossEntropy.Forward(batch, classes, logits, labels, loss, dLogits, predictions);
        Check(logits, Objective, dLogits, "logits");
    }

    [Fact]
    public void RowGradient_IsTheGradientOfGather()
    {
        var random = new Random(6);
        const int rows = 4, dim = 3, positions = 9;
        var table = Uniform(random, rows * dim);
        var index = LocalIndex(random, positions, rows);
        var r = Uniform(random, positions * dim);
        var x = new float[positions * dim];
        double Objective() { Gather.Forward(table, index, dim, x, accumulate: false); return Dot(r, x); }
        var dRows = new float[table.Length];
        RowGradient.Backward(r, index, dim, dRows, rows);
        Check(table, Objective, dRows, "E");
    }
}
