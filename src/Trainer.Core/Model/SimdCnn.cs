using System.Runtime.CompilerServices;
using Trainer.Core.Cpu;
using Trainer.Core.Kernels;

namespace Trainer.Core.Model;

/// <summary>
/// Kim's CNN on the CPU with vectorized kernels (<see cref="Cpu"/>): the default when no GPU is present. Same
/// parameter layout, dropout stream, Adadelta and max-norm as <see cref="ReferenceCnn"/> and <see cref="KimCnn"/>,
/// so the three agree up to float rounding. Sentences are spread over <see cref="Workers"/> threads; buffers grow to
/// the largest batch seen and are reused, so a step allocates only the thread pool's bookkeeping.
/// Not thread-safe: one call at a time.
/// </summary>
public sealed unsafe class SimdCnn : ICnnBackend
{
    private readonly ParameterLayout _layout;
    private readonly IConvKernels _kernels;
    private readonly WorkerPool _pool;
    private readonly ConvGeometry _geometry;
    private readonly PinnedArray<float> _w = new(), _g = new(), _eg2 = new(), _edx2 = new();
    private readonly PinnedArray<float>[] _packed, _paddedBias;
    private readonly PinnedArray<float> _x = new(), _dx = new(), _scratch = new(), _pooled = new(), _dPooled = new();
    private readonly PinnedArray<int> _arg = new(), _spans = new(), _rowStart = new(), _rowPositions = new(), _rowNext = new();
    private float[] _z = [], _mask = [], _dz = [], _logits = [], _dLogits = [], _loss = [], _probabilities = [];
    private int[] _labels = [], _predictions = [];
    private readonly Action<int, int> _pack, _forward, _weightGradient, _inputGradient, _rowGradient;
    private bool _packedCurrent;

    // Valid during one call only: the caller's spans, fixed for the duration of the parallel loops that read them.
    private float* _rows, _staticRows, _rowGrad;
    private int* _localIndex;
    private int _batch;

    /// <param name="workers">Threads a step runs on; defaults to <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="width">Vector width of the kernels; Auto picks the widest the machine accelerates.</param>
    public SimdCnn(KimCnnConfig config, float[]? parameters = null, int? workers = null, VectorWidth width = VectorWidth.Auto)
    {
        Config = config;
        _layout = new ParameterLayout(config);
        _kernels = ConvKernelsFactory.Create(width);
        Width = ConvKernelsFactory.Resolve(width);
        _pool = new WorkerPool(workers ?? Environment.ProcessorCount);
        int padded = (config.FeatureMaps + _kernels.Width - 1) / _kernels.Width * _kernels.Width;
        _geometry = new ConvGeometry(config.Positions, config.Dim, config.FeatureMaps, padded, config.Features);
        foreach (var a in new[] { _w, _g, _eg2, _edx2 }) a.Ensure(_layout.Count);
        _packed = config.Windows.Select(h => Pinned(h * config.Dim * padded)).ToArray();
        _paddedBias = config.Windows.Select(_ => Pinned(padded)).ToArray();
        _scratch.Ensure((long)Workers * config.Positions * padded);
        (_pack, _forward, _weightGradient, _inputGradient, _rowGradient) = (Pack, ForwardSentence, WeightGradient, InputGradient, RowGradient);
        SetParameters(parameters ?? _layout.Initialize(config));
    }

    public KimCnnConfig Config { get; }
    public long Step { get; private set; }
    public int Workers => _pool.Workers;

    /// <summary>The vector width the kernels run at (never Auto).</summary>
    public VectorWidth Width { get; }

    /// <summary>Restores a model written by <see cref="CnnCheckpoint.Save(Stream, ICnnBackend)"/>, step counter included.</summary>
    public static SimdCnn Load(Stream stream)
    {
        var (config, step, parameters) = CnnCheckpoint.Load(stream);
        return new SimdCnn(config, parameters) { Step = step };
    }

    public float TrainStep(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<int> labels,
        ReadOnlySpan<float> staticRows, Span<float> rowGradOut)
    {
        int batch = BatchShape.Check(Config, distinctRows, rowCount, localIndex, staticRows);
        BatchShape.CheckTraining(Config, batch, labels, rowCount, rowGradOut);
        var c = Config;
        int n = batch * c.Features, classes = c.Classes;
        EnsureBatch(batch);
        labels.CopyTo(_labels);
        fixed (float* rows = distinctRows, statics = staticRows, rowGrad = rowGradOut)
        fixed (int* index = localIndex)
        {
            SetCallInputs(rows, statics, index, batch);
            _rowGrad = rowGrad;
            Forward();
            var pooled = _pooled.Span(n);
            Dropout.Forward(pooled, _z, _mask, n, c.Seed, (uint)Step, c.DropoutRate);
            var w = _w.Span(_layout.Count);
            Span<float> denseW = Slice(w, _layout.DenseW), denseB = Slice(w, _layout.DenseB);
            Dense.Forward(batch, c.Features, classes, _z, denseW, denseB, _logits);
            SoftmaxCrossEntropy.Forward(batch, classes, _logits, _labels, _loss, _dLogits, _predictions);

            var g = _g.Span(_layout.Count);
            g.Clear();
            Dense.Backward(batch, c.Features, classes, _z, denseW, _dLogits, Slice(g, _layout.DenseW), Slice(g, _layout.DenseB), _dz);
            Dropout.Backward(_dz, _mask, _dPooled.Span(n), n);
            _pool.Run(c.Windows.Count * c.FeatureMaps, _weightGradient);
            _pool.Run(batch, _inputGradient);
            BuildRowPositions(localIndex, rowCount);
            _pool.Run(rowCount, _rowGradient);

            VectorAdadelta.Update(w, g, _eg2.Span(_layout.Count), _edx2.Span(_layout.Count), c.Rho, c.Epsilon);
            MaxNorm.Apply(Slice(w, _layout.DenseW), classes, c.Features, c.MaxNorm);
            _packedCurrent = false;
            SetCallInputs(null, null, null, 0);
            _rowGrad = null;
        }
        Step++;
        float sum = 0f;
        for (int b = 0; b < batch; b++) sum += _loss[b];
        return sum / batch;
    }

    public int[] Predict(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows)
    {
        int batch = Evaluate(distinctRows, rowCount, localIndex, staticRows);
        return _predictions.AsSpan(0, batch).ToArray();
    }

    public float[] Probabilities(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows)
    {
        int batch = Evaluate(distinctRows, rowCount, localIndex, staticRows);
        return _probabilities.AsSpan(0, batch * Config.Classes).ToArray();
    }

    public float[] GetParameters() => _w.Span(_layout.Count).ToArray();

    public void SetParameters(ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != _layout.Count)
            throw new ArgumentException($"Expected {_layout.Count} parameters, got {parameters.Length}.");
        parameters.CopyTo(_w.Span(_layout.Count));
        _eg2.Span(_layout.Count).Clear();
        _edx2.Span(_layout.Count).Clear();
        _packedCurrent = false;
    }

    public void Dispose() { }

    private int Evaluate(ReadOnlySpan<float> distinctRows, int rowCount, ReadOnlySpan<int> localIndex, ReadOnlySpan<float> staticRows)
    {
        int batch = BatchShape.Check(Config, distinctRows, rowCount, localIndex, staticRows);
        var c = Config;
        EnsureBatch(batch);
        fixed (float* rows = distinctRows, statics = staticRows)
        fixed (int* index = localIndex)
        {
            SetCallInputs(rows, statics, index, batch);
            Forward();
            SetCallInputs(null, null, null, 0);
        }
        var w = _w.Span(_layout.Count);
        Dense.Forward(batch, c.Features, c.Classes, _pooled.Span(batch * c.Features), Slice(w, _layout.DenseW), Slice(w, _layout.DenseB), _logits);
        SoftmaxCrossEntropy.Probabilities(batch, c.Classes, _logits, _probabilities, _predictions);
        return batch;
    }

    private void SetCallInputs(float* rows, float* staticRows, int* localIndex, int batch)
    {
        _rows = rows;
        _staticRows = staticRows;
        _localIndex = localIndex;
        _batch = batch;
    }

    // Gather, convolutions and max-pool of every sentence into _pooled and _arg.
    private void Forward()
    {
        if (!_packedCurrent)
        {
            _pool.Run(Config.Windows.Count, _pack);
            _packedCurrent = true;
        }
        _pool.Run(_batch, _forward);
    }

    // Work item: window i. Transposes W [F, h·D] into the GEMM's [h·D, PaddedMaps], padding maps with zeros.
    private void Pack(int worker, int i)
    {
        var filters = Filters(i);
        int size = filters.Window * Config.Dim, padded = _geometry.PaddedMaps;
        for (int f = 0; f < Config.FeatureMaps; f++)
        {
            float* source = filters.Weights + f * size;
            for (int k = 0; k < size; k++) filters.Packed[k * padded + f] = source[k];
            filters.PaddedBias[f] = filters.Bias[f];
        }
    }

    // Work item: sentence b. Gathers its rows into X (both channels summed), finds its span, convolves and pools.
    private void ForwardSentence(int worker, int b)
    {
        var c = Config;
        int positions = c.Positions, dim = c.Dim;
        float* sentence = _x.Pointer + (long)b * positions * dim;
        int* index = _localIndex + b * positions;
        int first = positions, end = 0;
        for (int p = 0; p < positions; p++)
        {
            int r = index[p];
            float* target = sentence + p * dim;
            if (r < 0)
            {
                Unsafe.InitBlock(target, 0, (uint)(dim * sizeof(float)));
                continue;
            }
            (first, end) = (Math.Min(first, p), p + 1);
            Unsafe.CopyBlock(target, _rows + (long)r * dim, (uint)(dim * sizeof(float)));
            if (c.Channels == 2) _kernels.Add(target, _staticRows + (long)r * dim, dim);
        }
        if (first >= end) (first, end) = (0, 0);
        _spans.Pointer[2 * b] = first;
        _spans.Pointer[2 * b + 1] = end;
        float* scratch = _scratch.Pointer + (long)worker * positions * _geometry.PaddedMaps;
        long row = (long)b * c.Features;
        for (int i = 0; i < c.Windows.Count; i++)
            _kernels.Forward(_geometry, Filters(i), i, sentence, first, end, scratch, _pooled.Pointer + row, _arg.Pointer + row);
    }

    // Work item: (window, map). Its filter's weight and bias gradients, summed over the batch.
    private void WeightGradient(int worker, int item)
    {
        int i = item / Config.FeatureMaps, map = item % Config.FeatureMaps;
        _kernels.WeightGradient(_geometry, Filters(i), i, map, _batch, _x.Pointer, _pooled.Pointer, _arg.Pointer, _dPooled.Pointer,
            _g.Pointer + _layout.ConvW[i].Offset, _g.Pointer + _layout.ConvB[i].Offset);
    }

    // Work item: sentence b. Its input gradient from every window, on content rows only (padding is never pushed).
    private void InputGradient(int worker, int b)
    {
        var c = Config;
        int first = _spans.Pointer[2 * b], end = _spans.Pointer[2 * b + 1];
        float* dSentence = _dx.Pointer + (long)b * c.Positions * c.Dim;
        Unsafe.InitBlock(dSentence + first * c.Dim, 0, (uint)((end - first) * c.Dim * sizeof(float)));
        long row = (long)b * c.Features;
        for (int i = 0; i < c.Windows.Count; i++)
            _kernels.InputGradient(_geometry, Filters(i), i, _pooled.Pointer + row, _arg.Pointer + row, _dPooled.Pointer + row, first, end, dSentence);
    }

    // Work item: distinct row r. dE[r] = Σ dX over its positions, in ascending position order (as the reference).
    private void RowGradient(int worker, int r)
    {
        int dim = Config.Dim;
        float* target = _rowGrad + (long)r * dim;
        Unsafe.InitBlock(target, 0, (uint)(dim * sizeof(float)));
        for (int j = _rowStart.Pointer[r]; j < _rowStart.Pointer[r + 1]; j++)
            _kernels.Add(target, _dx.Pointer + (long)_rowPositions.Pointer[j] * dim, dim);
    }

    /// <summary><see cref="RowPositions.Build"/> into reused buffers.</summary>
    private void BuildRowPositions(ReadOnlySpan<int> localIndex, int rows)
    {
        int* start = _rowStart.Ensure(rows + 1), next = _rowNext.Ensure(rows), positions = _rowPositions.Ensure(localIndex.Length);
        new Span<int>(start, rows + 1).Clear();
        foreach (int r in localIndex)
            if (r >= 0) start[r + 1]++;
        for (int r = 0; r < rows; r++) start[r + 1] += start[r];
        new Span<int>(start, rows).CopyTo(new Span<int>(next, rows));
        for (int p = 0; p < localIndex.Length; p++)
            if (localIndex[p] >= 0) positions[next[localIndex[p]]++] = p;
    }

    private void EnsureBatch(int batch)
    {
        var c = Config;
        long positions = (long)batch * c.Positions * c.Dim;
        int n = batch * c.Features;
        _x.Ensure(positions);
        _dx.Ensure(positions);
        _pooled.Ensure(n);
        _dPooled.Ensure(n);
        _arg.Ensure(n);
        _spans.Ensure(2 * batch);
        if (_z.Length >= n) return;
        _z = new float[n];
        _mask = new float[n];
        _dz = new float[n];
        _logits = new float[batch * c.Classes];
        _dLogits = new float[batch * c.Classes];
        _probabilities = new float[batch * c.Classes];
        _loss = new float[batch];
        _labels = new int[batch];
        _predictions = new int[batch];
    }

    private ConvFilters Filters(int i) => new(Config.Windows[i], _w.Pointer + _layout.ConvW[i].Offset, _w.Pointer + _layout.ConvB[i].Offset,
        _packed[i].Pointer, _paddedBias[i].Pointer);

    private static Span<float> Slice(Span<float> all, ParameterTensor t) => all.Slice(t.Offset, t.Length);

    private static PinnedArray<float> Pinned(long length)
    {
        var a = new PinnedArray<float>();
        a.Ensure(length);
        return a;
    }
}
