using ILGPU;
using ILGPU.Runtime;
using Trainer.Core.Kernels;

namespace Trainer.Core.Model;

/// <summary>
/// Kim's CNN on an ILGPU accelerator. Parameters, gradients and Adadelta state stay on the device; per call
/// only the batch's distinct rows and indices go up and the loss and row gradients come back.
/// Not thread-safe: one call at a time.
/// </summary>
public sealed class KimCnn : ICnnBackend
{
    private readonly ComputeDevice _device;
    private readonly ParameterLayout _layout;
    private readonly CnnKernels _k;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _w, _g, _eg2, _edx2;
    private readonly DeviceArray<float> _rows, _staticRows, _x, _dx, _pooled, _z, _mask, _dz, _dPooled, _logits, _dLogits, _loss, _dRows, _probabilities;
    private readonly DeviceArray<float>[] _conv, _dConv;
    private readonly DeviceArray<int>[] _arg;
    private readonly DeviceArray<int> _localIndex, _spans, _labels, _predictions, _rowStart, _positions;

    public KimCnn(ComputeDevice device, KimCnnConfig config, float[]? parameters = null)
    {
        _device = device;
        Config = config;
        _layout = new ParameterLayout(config);
        _k = new CnnKernels(device);
        var acc = device.Accelerator;
        _w = acc.Allocate1D<float>(_layout.Count);
        _g = acc.Allocate1D<float>(_layout.Count);
        _eg2 = acc.Allocate1D<float>(_layout.Count);
        _edx2 = acc.Allocate1D<float>(_layout.Count);
        DeviceArray<float> F() => new(acc);
        DeviceArray<int> I() => new(acc);
        (_rows, _staticRows, _x, _dx, _pooled, _z, _mask) = (F(), F(), F(), F(), F(), F(), F());
        (_dz, _dPooled, _logits, _dLogits, _loss, _dRows, _probabilities) = (F(), F(), F(), F(), F(), F(), F());
        _conv = config.Windows.Select(_ => F()).ToArray();
        _dConv = config.Windows.Select(_ => F()).ToArray();
        _arg = config.Windows.Select(_ => I()).ToArray();
        (_localIndex, _spans, _labels, _predictions, _rowStart, _positions) = (I(), I(), I(), I(), I(), I());
        SetParameters(parameters ?? _layout.Initialize(config));
    }

    public KimCnnConfig Config { get; }
    public long Step { get; private set; }

    /// <summary>Restores a model written by <see cref="CnnCheckpoint.Save(Stream, ICnnBackend)"/>, step counter included.</summary>
    public static KimCnn Load(ComputeDevice device, Stream stream)
    {
        var (config, step, parameters) = CnnCheckpoint.Load(stream);
        return new KimCnn(device, config, parameters) { Step = step };
    }

    public float TrainStep(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> staticRows, Span<float> rowGradOut)
    {
        int batch = BatchShape.Check(Config, distinctRows, rowCount, localIndex, staticRows);
        BatchShape.CheckTraining(Config, batch, labels, rowCount, rowGradOut);
        var c = Config;
        int features = c.Features, n = batch * features;
        var x = Forward(distinctRows, rowCount, localIndex, staticRows, batch);
        var pooled = _pooled.View(n);

        var z = _z.View(n);
        var mask = _mask.View(n);
        _k.Dropout.Forward(pooled, z, mask, n, c.Seed, (uint)Step, c.DropoutRate);
        var logits = _logits.View(batch * c.Classes);
        _k.Dense.Forward(batch, features, c.Classes, z, Param(_w, _layout.DenseW), Param(_w, _layout.DenseB), logits);
        var loss = _loss.View(batch);
        var dLogits = _dLogits.View(batch * c.Classes);
        _k.Loss.Forward(batch, c.Classes, logits, _labels.Upload(labels), loss, dLogits, _predictions.View(batch));

        _g.View.MemSetToZero();
        var dz = _dz.View(n);
        _k.Dense.Backward(batch, features, c.Classes, z, Param(_w, _layout.DenseW), dLogits,
            Param(_g, _layout.DenseW), Param(_g, _layout.DenseB), dz);
        var dPooled = _dPooled.View(n);
        _k.Dropout.Backward(dz, mask, dPooled, n);
        var dx = _dx.View(x.Length);
        dx.MemSetToZero();
        for (int i = 0; i < c.Windows.Count; i++)
        {
            var shape = Shape(batch, i);
            var conv = _conv[i].View(batch * c.FeatureMaps * shape.Steps);
            var dConv = _dConv[i].View(conv.Length);
            _k.MaxPool.Backward(batch, c.FeatureMaps, shape.Steps, dPooled, features, i * c.FeatureMaps, _arg[i].View(batch * c.FeatureMaps), dConv);
            _k.Conv.Backward(shape, x, Param(_w, _layout.ConvW[i]), conv, dConv,
                Param(_g, _layout.ConvW[i]), Param(_g, _layout.ConvB[i]), dx);
        }
        var positions = RowPositions.Build(localIndex, rowCount);
        var dRows = _dRows.View((long)rowCount * c.Dim);
        _k.RowGradient.Backward(dx, _rowStart.Upload(positions.RowStart), _positions.Upload(positions.Positions), rowCount, c.Dim, dRows);

        _k.Adadelta.Update(_w.View, _g.View, _eg2.View, _edx2.View, _layout.Count, c.Rho, c.Epsilon);
        _k.MaxNorm.Apply(Param(_w, _layout.DenseW), c.Classes, features, c.MaxNorm);

        _device.Accelerator.Synchronize();
        _dRows.Download(rowGradOut[..(rowCount * c.Dim)]);
        Span<float> losses = batch <= 1024 ? stackalloc float[batch] : new float[batch];
        _loss.Download(losses);
        Step++;
        float sum = 0f;
        foreach (float l in losses) sum += l;
        return sum / batch;
    }

    public int[] Predict(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows)
    {
        int batch = Evaluate(distinctRows, rowCount, localIndex, staticRows);
        var predictions = new int[batch];
        _predictions.Download(predictions);
        return predictions;
    }

    public float[] Probabilities(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows)
    {
        int batch = Evaluate(distinctRows, rowCount, localIndex, staticRows);
        var probabilities = new float[batch * Config.Classes];
        _probabilities.Download(probabilities);
        return probabilities;
    }

    public float[] GetParameters() => _w.GetAsArray1D();

    public void SetParameters(ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != _layout.Count)
            throw new ArgumentException($"Expected {_layout.Count} parameters, got {parameters.Length}.");
        _w.View.CopyFromCPU(parameters.ToArray());
        _eg2.View.MemSetToZero();
        _edx2.View.MemSetToZero();
        _device.Accelerator.Synchronize();
    }

    public void Dispose()
    {
        foreach (var b in new[] { _w, _g, _eg2, _edx2 }) b.Dispose();
        foreach (var a in new[] { _rows, _staticRows, _x, _dx, _pooled, _z, _mask, _dz, _dPooled, _logits, _dLogits, _loss, _dRows, _probabilities }
                     .Concat(_conv).Concat(_dConv)) a.Dispose();
        foreach (var a in _arg.Append(_localIndex).Append(_spans).Append(_labels).Append(_predictions).Append(_rowStart).Append(_positions)) a.Dispose();
    }

    // Runs dense and softmax without dropout; leaves probabilities and predictions in their buffers.
    private int Evaluate(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows)
    {
        int batch = BatchShape.Check(Config, distinctRows, rowCount, localIndex, staticRows);
        var c = Config;
        Forward(distinctRows, rowCount, localIndex, staticRows, batch);
        var logits = _logits.View(batch * c.Classes);
        _k.Dense.Forward(batch, c.Features, c.Classes, _pooled.View(batch * c.Features), Param(_w, _layout.DenseW), Param(_w, _layout.DenseB), logits);
        _k.Loss.Probabilities(batch, c.Classes, logits, _probabilities.View(batch * c.Classes), _predictions.View(batch));
        _device.Accelerator.Synchronize();
        return batch;
    }

    // Gather, convolutions and max-pooling into _pooled; returns X for the backward pass.
    private ArrayView1D<float, Stride1D.Dense> Forward(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex,
        ReadOnlySpan<float> staticRows, int batch)
    {
        var c = Config;
        int positions = batch * c.Positions;
        var index = _localIndex.Upload(localIndex);
        var x = _x.View((long)positions * c.Dim);
        _k.Gather.Forward(_rows.Upload(distinctRows[..(rowCount * c.Dim)]), index, positions, c.Dim, x, accumulate: false);
        if (c.Channels == 2)
            _k.Gather.Forward(_staticRows.Upload(staticRows[..(rowCount * c.Dim)]), index, positions, c.Dim, x, accumulate: true);
        var spans = _spans.Upload(SentenceSpans.FromLocalIndex(localIndex, c.Positions));
        var pooled = _pooled.View(batch * c.Features);
        for (int i = 0; i < c.Windows.Count; i++)
        {
            var shape = Shape(batch, i);
            var conv = _conv[i].View(batch * c.FeatureMaps * shape.Steps);
            _k.Conv.Forward(shape, x, Param(_w, _layout.ConvW[i]), Param(_w, _layout.ConvB[i]), conv, spans);
            _k.MaxPool.Forward(batch, c.FeatureMaps, shape.Steps, conv, pooled, c.Features, i * c.FeatureMaps, _arg[i].View(batch * c.FeatureMaps));
        }
        return x;
    }

    private static ArrayView1D<float, Stride1D.Dense> Param(MemoryBuffer1D<float, Stride1D.Dense> buffer, ParameterTensor t) =>
        buffer.View.SubView(t.Offset, t.Length);

    private ConvShape Shape(int batch, int window) => new(batch, Config.Positions, Config.Dim, Config.Windows[window], Config.FeatureMaps);
}
