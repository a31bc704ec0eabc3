using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

/// <summary>
/// The rows of one view that the store marked <see cref="RowMeta.Immutable"/> (a table's base rows read through
/// views that cannot copy them, a static view's or a snapshot's own rows, the padding row), kept on the client so
/// that each is pulled once: <see cref="EmbeddingStoreClient.PullAsync(ImmutableRowCache, ReadOnlyMemory{long}, Memory{float}, CancellationToken)"/>
/// reads them from here and asks the store only for the others. Rows the store may still change are never kept.
/// </summary>
/// <remarks>
/// At most <see cref="Capacity"/> rows are kept (the first ones seen; memory grows with the rows kept, in blocks).
/// A row kept here is served even after its view, its table or the row itself was deleted: the caller learns of that
/// from its next call that reaches the store. Safe to use from several threads at once.
/// </remarks>
public sealed class ImmutableRowCache
{
    private const int BlockRows = 4096;
    private readonly Dictionary<long, (int Slot, RowMeta Meta)> _rows = [];
    private readonly List<float[]> _blocks = [];
    private readonly Lock _lock = new();
    private long _hits, _misses;

    /// <param name="view">The view whose rows this cache keeps; pulls through it must name the same view.</param>
    /// <param name="capacity">The most rows kept, e.g. the size of the vocabulary a model reads.</param>
    public ImmutableRowCache(string view, int capacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(view);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        View = view;
        Capacity = capacity;
    }

    public string View { get; }
    public int Capacity { get; }

    /// <summary>The dimension of the rows kept (0 until the first row).</summary>
    public int Dim { get; private set; }

    /// <summary>Rows kept.</summary>
    public int Count
    {
        get { lock (_lock) return _rows.Count; }
    }

    /// <summary>Rows served from the cache so far.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Rows that had to be pulled from the store so far.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Copies the row into <paramref name="destination"/> when it is kept.</summary>
    public bool TryGet(long id, Span<float> destination, out RowMeta meta)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue(id, out var entry))
            {
                meta = null!;
                return false;
            }
            Row(entry.Slot).CopyTo(destination);
            meta = entry.Meta;
            return true;
        }
    }

    /// <summary>Keeps the row if the store marked it immutable and there is room; otherwise does nothing.</summary>
    /// <exception cref="ArgumentException">The row's length differs from the rows kept before.</exception>
    public void Offer(RowMeta meta, ReadOnlySpan<float> vector)
    {
        if (!meta.Immutable) return;
        lock (_lock)
        {
            if (Dim == 0) Dim = vector.Length;
            if (vector.Length != Dim) throw new ArgumentException($"a row of {vector.Length} floats offered to a cache of {Dim}-d rows", nameof(vector));
            if (_rows.Count >= Capacity || _rows.ContainsKey(meta.Id)) return;
            var slot = _rows.Count;
            if (slot / BlockRows == _blocks.Count) _blocks.Add(new float[BlockRows * Dim]);
            vector.CopyTo(Row(slot));
            _rows[meta.Id] = (slot, meta);
        }
    }

    internal void Tally(int hits, int misses)
    {
        Interlocked.Add(ref _hits, hits);
        Interlocked.Add(ref _misses, misses);
    }

    private Span<float> Row(int slot) => _blocks[slot / BlockRows].AsSpan(slot % BlockRows * Dim, Dim);
}
