using VectorFormats;

namespace Trainer.Training;

/// <summary>
/// An in-process embedding table with the store's semantics for one view: frozen pretrained rows
/// (unless fine-tuned), new rows for unknown tokens, lazy Adadelta on pushed rows. Used by tests and as
/// the baseline for the store's overhead.
/// </summary>
public sealed class InMemoryRowSource : IRowSource
{
    private readonly Dictionary<string, long> _ids = [];
    private readonly List<float[]> _rows = [];
    private readonly List<bool> _pretrained = [];
    private readonly Dictionary<long, (float[] Eg2, float[] Edx2)> _state = [];
    private readonly List<float[]> _staticRows = [];
    private readonly Variant _variant;
    private readonly float _initScale;
    private readonly Random _random;
    private readonly object _lock = new();

    public InMemoryRowSource(int dim, Variant variant, IEnumerable<(string Token, float[] Vector)> pretrained, float initScale, int seed)
    {
        Dim = dim;
        _variant = variant;
        _initScale = initScale;
        _random = new Random(seed);
        _rows.Add(new float[dim]);
        _pretrained.Add(true);
        _staticRows.Add(new float[dim]);
        if (variant != Variant.Rand)
            foreach (var (token, vector) in pretrained) Add(token, vector, isPretrained: true);
    }

    /// <summary>
    /// A table read from a vector file, with new rows initialised as the store does: uniform in [-a, a],
    /// a matched to the variance of the file's values (Kim 2014); rand uses 0.25 as Kim did.
    /// </summary>
    public static InMemoryRowSource FromFile(string? path, Variant variant, int randDim, int seed)
    {
        if (variant == Variant.Rand || path is null) return new InMemoryRowSource(randDim, variant, [], 0.25f, seed);
        var rows = new List<(string, float[])>();
        double sum = 0, squares = 0;
        using var stream = File.OpenRead(path);
        using var reader = VectorFileReader.Open(stream, VectorFormat.Auto, Path.GetFileName(path));
        var vector = new float[reader.Dim];
        while (reader.TryReadRow(out var token, vector))
        {
            rows.Add((token, [.. vector]));
            foreach (var v in vector)
            {
                sum += v;
                squares += (double)v * v;
            }
        }
        var n = Math.Max(1.0, (double)rows.Count * reader.Dim);
        var a = (float)Math.Sqrt(3 * Math.Max(0, squares / n - (sum / n) * (sum / n)));
        return new InMemoryRowSource(reader.Dim, variant, rows, a, seed);
    }

    public int Dim { get; }
    public long PadId => 0;
    public bool HasStaticChannel => _variant == Variant.Multichannel;

    private long Add(string token, float[] vector, bool isPretrained)
    {
        var id = _rows.Count;
        _ids[token] = id;
        _rows.Add(vector);
        _staticRows.Add([.. vector]);
        _pretrained.Add(isPretrained);
        return id;
    }

    public Task<long[]> ResolveAsync(IReadOnlyList<string> tokens, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(tokens.Select(t => _ids.TryGetValue(t, out var id)
                ? id
                : Add(t, Enumerable.Range(0, Dim).Select(_ => (float)((_random.NextDouble() * 2 - 1) * _initScale)).ToArray(), false)).ToArray());
        }
    }

    private bool Trainable(long id) => id != PadId && _variant switch
    {
        Variant.Static => false,
        Variant.Overlay => !_pretrained[(int)id],
        _ => true,
    };

    public Task PullAsync(ReadOnlyMemory<long> ids, Memory<float> vectors, Memory<float> staticVectors, Memory<bool> trainable,
        CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                var id = (int)ids.Span[i];
                _rows[id].CopyTo(vectors.Span.Slice(i * Dim, Dim));
                if (HasStaticChannel) _staticRows[id].CopyTo(staticVectors.Span.Slice(i * Dim, Dim));
                trainable.Span[i] = Trainable(id);
            }
        }
        return Task.CompletedTask;
    }

    public Task PushAsync(ReadOnlyMemory<long> ids, ReadOnlyMemory<float> gradients, Memory<float> rowsAfter, CancellationToken cancellationToken)
    {
        const float rho = 0.95f, eps = 1e-6f;
        lock (_lock)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                var id = ids.Span[i];
                if (!Trainable(id)) throw new InvalidOperationException($"row {id} is not trainable");
                if (!_state.TryGetValue(id, out var state)) _state[id] = state = (new float[Dim], new float[Dim]);
                var w = _rows[(int)id];
                var g = gradients.Span.Slice(i * Dim, Dim);
                for (var d = 0; d < Dim; d++)
                {
                    state.Eg2[d] = rho * state.Eg2[d] + (1 - rho) * g[d] * g[d];
                    var step = MathF.Sqrt(state.Edx2[d] + eps) / MathF.Sqrt(state.Eg2[d] + eps) * g[d];
                    state.Edx2[d] = rho * state.Edx2[d] + (1 - rho) * step * step;
                    w[d] -= step;
                }
                if (!rowsAfter.IsEmpty) w.CopyTo(rowsAfter.Span.Slice(i * Dim, Dim));
            }
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
