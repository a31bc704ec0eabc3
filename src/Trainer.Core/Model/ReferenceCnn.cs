using Trainer.Core.Kernels;

namespace Trainer.Core.Model;

/// <summary>
/// Kim's CNN written with the plain C# reference layers: slow and obviously correct, the yardstick the
/// device backends are tested against.
/// </summary>
public sealed class ReferenceCnn : ICnnBackend
{
    private readonly ParameterLayout _layout;
    private readonly float[][] _w, _g, _eg2, _edx2; // per tensor, in layout order

    public ReferenceCnn(KimCnnConfig config, float[]? parameters = null)
    {
        Config = config;
        _layout = new ParameterLayout(config);
        int n = _layout.Tensors.Count;
        _w = new float[n][];
        _g = new float[n][];
        _eg2 = new float[n][];
        _edx2 = new float[n][];
        for (int i = 0; i < n; i++) _w[i] = new float[_layout.Tensors[i].Length];
        SetParameters(parameters ?? _layout.Initialize(config));
    }

    public KimCnnConfig Config { get; }
    public long Step { get; private set; }

    private int DenseIndex => 2 * Config.Windows.Count;

    public float TrainStep(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> staticRows, Span<float> rowGradOut)
    {
        int batch = BatchShape.Check(Config, distinctRows, rowCount, localIndex, staticRows);
        BatchShape.CheckTraining(Config, batch, labels, rowCount, rowGradOut);
        var c = Config;
        int features = c.Features, windows = c.Windows.Count;
        var f = Forward(distinctRows, rowCount, localIndex, staticRows, batch);

        var z = new float[batch * features];
        var mask = new float[batch * features];
        Dropout.Forward(f.Pooled, z, mask, z.Length, c.Seed, (uint)Step, c.DropoutRate);
        var logits = new float[batch * c.Classes];
        Dense.Forward(batch, features, c.Classes, z, _w[DenseIndex], _w[DenseIndex + 1], logits);
        var loss = new float[batch];
        var dLogits = new float[batch * c.Classes];
        SoftmaxCrossEntropy.Forward(batch, c.Classes, logits, labels.ToArray(), loss, dLogits, new int[batch]);

        foreach (var g in _g) Array.Clear(g);
        var dz = new float[z.Length];
        Dense.Backward(batch, features, c.Classes, z, _w[DenseIndex], dLogits, _g[DenseIndex], _g[DenseIndex + 1], dz);
        var dPooled = new float[z.Length];
        Dropout.Backward(dz, mask, dPooled, z.Length);
        var dx = new float[f.X.Length];
        for (int i = 0; i < windows; i++)
        {
            var shape = Shape(batch, i);
            var dy = new float[f.Conv[i].Length];
            MaxPool.Backward(batch, c.FeatureMaps, shape.Steps, dPooled, features, i * c.FeatureMaps, f.Arg[i], dy);
            Conv1d.Backward(shape, f.X, _w[2 * i], f.Conv[i], dy, _g[2 * i], _g[2 * i + 1], dx);
        }
        var dRows = new float[rowCount * c.Dim];
        RowGradient.Backward(dx, f.LocalIndex, c.Dim, dRows, rowCount);
        dRows.CopyTo(rowGradOut);

        for (int i = 0; i < _w.Length; i++) Adadelta.Update(_w[i], _g[i], _eg2[i], _edx2[i], _w[i].Length, c.Rho, c.Epsilon);
        MaxNorm.Apply(_w[DenseIndex], c.Classes, features, c.MaxNorm);
        Step++;
        return loss.Average();
    }

    public int[] Predict(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows) =>
        Evaluate(distinctRows, rowCount, localIndex, staticRows).Predictions;

    public float[] Probabilities(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows) =>
        Evaluate(distinctRows, rowCount, localIndex, staticRows).Probabilities;

    public float[] GetParameters()
    {
        var all = new float[_layout.Count];
        for (int i = 0; i < _w.Length; i++) _w[i].CopyTo(all, _layout.Tensors[i].Offset);
        return all;
    }

    public void SetParameters(ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != _layout.Count)
            throw new ArgumentException($"Expected {_layout.Count} parameters, got {parameters.Length}.");
        for (int i = 0; i < _w.Length; i++)
        {
            var t = _layout.Tensors[i];
            parameters.Slice(t.Offset, t.Length).CopyTo(_w[i]);
            _g[i] = new float[t.Length];
            _eg2[i] = new float[t.Length];
            _edx2[i] = new float[t.Length];
        }
    }

    public void Dispose() { }

    private (float[] Probabilities, int[] Predictions) Evaluate(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows)
    {
        int batch = BatchShape.Check(Config, distinctRows, rowCount, localIndex, staticRows);
        var c = Config;
        var f = Forward(distinctRows, rowCount, localIndex, staticRows, batch);
        var logits = new float[batch * c.Classes];
        Dense.Forward(batch, c.Features, c.Classes, f.Pooled, _w[DenseIndex], _w[DenseIndex + 1], logits);
        var probabilities = new float[logits.Length];
        var predictions = new int[batch];
        SoftmaxCrossEntropy.Probabilities(batch, c.Classes, logits, probabilities, predictions);
        return (probabilities, predictions);
    }

    private sealed record Activations(int[] LocalIndex, float[] X, float[][] Conv, int[][] Arg, float[] Pooled);

    // Everything up to the pooled features, which training and evaluation share.
    private Activations Forward(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows, int batch)
    {
        var c = Config;
        var index = localIndex.ToArray();
        var x = new float[batch * c.Positions * c.Dim];
        Gather.Forward(distinctRows[..(rowCount * c.Dim)].ToArray(), index, c.Dim, x, accumulate: false);
        if (c.Channels == 2) Gather.Forward(staticRows[..(rowCount * c.Dim)].ToArray(), index, c.Dim, x, accumulate: true);
        var conv = new float[c.Windows.Count][];
        var arg = new int[c.Windows.Count][];
        var pooled = new float[batch * c.Features];
        for (int i = 0; i < c.Windows.Count; i++)
        {
            var shape = Shape(batch, i);
            conv[i] = new float[batch * c.FeatureMaps * shape.Steps];
            arg[i] = new int[batch * c.FeatureMaps];
            Conv1d.Forward(shape, x, _w[2 * i], _w[2 * i + 1], conv[i]);
            MaxPool.Forward(batch, c.FeatureMaps, shape.Steps, conv[i], pooled, c.Features, i * c.FeatureMaps, arg[i]);
        }
        return new Activations(index, x, conv, arg, pooled);
    }

    private ConvShape Shape(int batch, int window) => new(batch, Config.Positions, Config.Dim, Config.Windows[window], Config.FeatureMaps);
}
