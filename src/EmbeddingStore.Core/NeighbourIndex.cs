using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace EmbeddingStore.Core;

/// <summary>Reads one row through a view into <c>destination</c>; returns its token, or null when the view no longer reads it.</summary>
internal delegate string? RowReader(long id, Span<float> destination);

/// <summary>
/// A view's candidate rows for exact cosine search: unit-normalised vectors in one contiguous array, the table's
/// rows first (slot = position in the table, so <c>restrict</c> is a prefix) and the views' own rows after them.
/// Writers mark changed ids dirty; the next query re-reads just those rows, so pushes stay as cheap as before and
/// answers always reflect every write acknowledged before the query.
/// </summary>
internal sealed class NeighbourIndex
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly ConcurrentDictionary<long, byte> _dirty = new();
    private readonly Dictionary<long, int> _slotOf = [];
    private readonly int _dim;
    private readonly int _tableRows;
    private float[] _unit;
    private long[] _ids;
    /// <summary>Null marks a removed row (evicted, or lost a creation race).</summary>
    private string?[] _tokens;
    private int _count;

    /// <summary>An empty index over spaces <paramref name="watched"/>: register it with writers, then <see cref="Load"/> it.</summary>
    public NeighbourIndex(int space, int[] watched, int dim, long tableRows)
    {
        Space = space;
        Watched = watched;
        _dim = dim;
        _tableRows = (int)tableRows;
        _unit = [];
        _ids = [];
        _tokens = [];
    }

    /// <summary>The space of the view this index serves.</summary>
    public int Space { get; }

    /// <summary>Spaces whose writes can change what the view reads (the chain without its table: base rows never change).</summary>
    public int[] Watched { get; }

    public void MarkDirty(long id) => _dirty[id] = 0;

    /// <summary>Reads every candidate row once; writes that race with it are dirty and re-read by the next query.</summary>
    public void Load(IReadOnlyList<long> ids, RowReader read)
    {
        _lock.EnterWriteLock();
        try
        {
            Grow(ids.Count);
            foreach (var id in ids) Put(id, read);
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Re-reads the rows written since the last query.</summary>
    public void Refresh(RowReader read)
    {
        if (_dirty.IsEmpty) return;
        _lock.EnterWriteLock();
        try
        {
            foreach (var id in _dirty.Keys)
            {
                _dirty.TryRemove(id, out _);
                Put(id, read);
            }
        }
        finally { _lock.ExitWriteLock(); }
    }

    private void Put(long id, RowReader read)
    {
        var known = _slotOf.TryGetValue(id, out var slot);
        if (!known)
        {
            if (_count == _ids.Length) Grow(Math.Max(16, _count * 2));
            slot = _count;
        }
        var row = _unit.AsSpan(slot * _dim, _dim);
        var token = read(id, row);
        if (token is null)
        {
            if (known) _tokens[slot] = null;
            row.Clear();
            return;
        }
        var norm = TensorPrimitives.Norm(row);
        if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        _tokens[slot] = token;
        if (known) return;
        _ids[slot] = id;
        _slotOf[id] = slot;
        _count++;
    }

    private void Grow(int capacity)
    {
        if (capacity <= _ids.Length) return;
        Array.Resize(ref _unit, capacity * _dim);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _tokens, capacity);
    }

    /// <summary>
    /// The <paramref name="k"/> rows most similar to <paramref name="unitQuery"/>, best first, among the first
    /// <paramref name="restrict"/> table rows (0: all) and the views' own rows, leaving out <paramref name="excludeId"/>.
    /// </summary>
    public NeighbourResult Search(ReadOnlySpan<float> unitQuery, int k, long restrict, long excludeId)
    {
        var query = unitQuery.ToArray();
        _lock.EnterReadLock();
        try
        {
            // Candidates are two slot ranges: the (restricted) table rows, then the views' own rows.
            var tableEnd = Math.Min(restrict > 0 ? (int)Math.Min(restrict, _tableRows) : _tableRows, _count);
            var ownStart = Math.Min(_tableRows, _count);
            var total = tableEnd + _count - ownStart;
            var parts = Math.Clamp(total / 8192, 1, Environment.ProcessorCount);
            var best = new (int Slot, float Similarity)[parts][];
            var compared = new long[parts];
            Parallel.For(0, parts, part =>
            {
                var heap = new PriorityQueue<int, float>(k + 1);
                var last = (int)((long)total * (part + 1) / parts);
                for (var n = (int)((long)total * part / parts); n < last; n++)
                {
                    var slot = n < tableEnd ? n : ownStart + n - tableEnd;
                    if (_tokens[slot] is null || _ids[slot] == excludeId) continue;
                    compared[part]++;
                    var similarity = TensorPrimitives.Dot(query, _unit.AsSpan(slot * _dim, _dim));
                    if (heap.Count < k) heap.Enqueue(slot, similarity);
                    else if (heap.TryPeek(out _, out var worst) && similarity > worst) heap.DequeueEnqueue(slot, similarity);
                }
                best[part] = [.. heap.UnorderedItems.Select(e => (e.Element, e.Priority))];
            });
            var neighbours = best.SelectMany(b => b).OrderByDescending(e => e.Similarity).ThenBy(e => e.Slot).Take(k)
                .Select(e => new Neighbour(_tokens[e.Slot]!, _ids[e.Slot], Math.Clamp(e.Similarity, -1f, 1f))).ToList();
            return new NeighbourResult(neighbours, compared.Sum());
        }
        finally { _lock.ExitReadLock(); }
    }
}
