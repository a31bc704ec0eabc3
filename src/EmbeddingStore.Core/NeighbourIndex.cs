using System.Collections.Concurrent;
using System.Numerics.Tensors;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Reads one row into <c>destination</c>; returns its token, or null when it cannot be read.
/// <paramref name="fromTable"/> says the record read was the table's base row.
/// </summary>
internal delegate string? RowReader(long id, Span<float> destination, out bool fromTable);

/// <summary>
/// A table's base rows, unit-normalised, in one contiguous array (slot = position in the table, so <c>restrict</c> is
/// a prefix). Base rows are never written after import, so it never changes once loaded, and every view of the table
/// shares it; what a view reads differently (its own rows, fine-tune copies) is in its <see cref="ViewRowVectors"/>.
/// </summary>
internal sealed class TableVectors
{
    private readonly int _dim;
    private readonly float[] _unit;
    private readonly string?[] _tokens;

    public TableVectors(int space, int dim, long rows)
    {
        Space = space;
        _dim = dim;
        _unit = new float[checked((int)rows * dim)];
        _tokens = new string?[rows];
    }

    public int Space { get; }

    public int Rows => _tokens.Length;

    /// <summary>Estimated memory of a table's cache before it is loaded: vectors, token references and the tokens themselves.</summary>
    public static long EstimateBytes(long rows, int dim) => rows * ((long)dim * sizeof(float) + IntPtr.Size + AverageTokenBytes);

    /// <summary>A string object of an 8-character token (header, length, UTF-16 characters).</summary>
    private const int AverageTokenBytes = 40;

    /// <summary>Memory actually held, once loaded.</summary>
    public long Bytes { get; private set; }

    public void Load(RowReader read)
    {
        long bytes = (long)_unit.Length * sizeof(float) + (long)_tokens.Length * IntPtr.Size;
        for (var slot = 0; slot < _tokens.Length; slot++)
        {
            var row = _unit.AsSpan(slot * _dim, _dim);
            var token = read(Keys.MakeRowId(Space, slot), row, out _);
            if (token is null)
            {
                row.Clear();
                continue;
            }
            Normalise(row);
            _tokens[slot] = token;
            bytes += 22 + 2L * token.Length;
        }
        Bytes = bytes;
    }

    public ReadOnlySpan<float> Row(int slot) => _unit.AsSpan(slot * _dim, _dim);

    public string? Token(int slot) => _tokens[slot];

    internal static void Normalise(Span<float> row)
    {
        var norm = TensorPrimitives.Norm(row);
        if (norm > 0) TensorPrimitives.Divide(row, norm, row);
    }
}

/// <summary>
/// What a view reads besides its table's base rows: the records of its chain's view spaces (own rows, fine-tune
/// copies), unit-normalised, as the view reads them, and which base rows a copy hides. Writers mark changed ids
/// dirty; the next query re-reads just those rows, so pushes stay as cheap as before and answers always reflect
/// every write acknowledged before the query. Together with the shared <see cref="TableVectors"/> it is the
/// view's candidate set for exact cosine search.
/// </summary>
internal sealed class ViewRowVectors
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly ConcurrentDictionary<long, byte> _dirty = new();
    private readonly Dictionary<long, int> _slotOf = [];
    private readonly int _dim;
    private readonly int _tableSpace;
    private readonly long _tableRows;
    private float[] _unit = [];
    private long[] _ids = [];
    /// <summary>Null marks a removed row (evicted, a copy gone so the base row reads again, or lost a creation race).</summary>
    private string?[] _tokens = [];
    /// <summary>Base rows the view reads from a copy (bit per table slot), allocated at the first copy.</summary>
    private ulong[]? _hidden;
    private long _tokenBytes;
    private int _count;

    /// <summary>An empty set over spaces <paramref name="watched"/>: register it with writers, then <see cref="Load"/> it.</summary>
    public ViewRowVectors(int space, int[] watched, int dim, int tableSpace, long tableRows)
    {
        Space = space;
        Watched = watched;
        _dim = dim;
        _tableSpace = tableSpace;
        _tableRows = tableRows;
    }

    /// <summary>The space of the view this serves.</summary>
    public int Space { get; }

    /// <summary>Spaces whose writes can change what the view reads (the chain without its table: base rows never change).</summary>
    public int[] Watched { get; }

    /// <summary>Memory held: vectors, ids, tokens, the slot map and the hidden-rows bitmap.</summary>
    public long Bytes
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return (long)_unit.Length * sizeof(float) + (long)_ids.Length * (sizeof(long) + IntPtr.Size)
                    + _slotOf.Count * 24L + _tokenBytes + (_hidden?.Length ?? 0) * sizeof(ulong);
            }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Estimated memory before loading <paramref name="rows"/> rows.</summary>
    public static long EstimateBytes(long rows, int dim) => rows * ((long)dim * sizeof(float) + sizeof(long) + IntPtr.Size + 24 + 40);

    public void MarkDirty(long id) => _dirty[id] = 0;

    /// <summary>Whether a writer marked the row since the last <see cref="Refresh"/> (tests).</summary>
    internal bool IsMarkedDirty(long id) => _dirty.ContainsKey(id);

    /// <summary>Reads every record of the chain's view spaces once; writes that race with it are dirty and re-read by the next query.</summary>
    public void Load(IEnumerable<long> ids, RowReader read)
    {
        _lock.EnterWriteLock();
        try
        {
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

    private bool IsBase(long id) => Keys.OwnerOf(id) == _tableSpace;

    private void Put(long id, RowReader read)
    {
        var known = _slotOf.TryGetValue(id, out var slot);
        if (!known)
        {
            if (_count == _ids.Length) Grow(Math.Max(16, _count * 2));
            slot = _count;
        }
        var row = _unit.AsSpan(slot * _dim, _dim);
        var token = read(id, row, out var fromTable);
        if (token is null || fromTable)
        {
            // Gone, or a copy gone so that the base row (in the table's vectors) reads again.
            if (known) SetToken(slot, null);
            if (IsBase(id)) Hide(id, false);
            row.Clear();
            return;
        }
        TableVectors.Normalise(row);
        SetToken(slot, token);
        if (IsBase(id)) Hide(id, true);
        if (known) return;
        _ids[slot] = id;
        _slotOf[id] = slot;
        _count++;
    }

    private void SetToken(int slot, string? token)
    {
        if (_tokens[slot] is { } old) _tokenBytes -= 22 + 2L * old.Length;
        if (token is not null) _tokenBytes += 22 + 2L * token.Length;
        _tokens[slot] = token;
    }

    private void Hide(long id, bool hidden)
    {
        var local = Keys.LocalOf(id);
        if (local >= _tableRows) return;
        if (_hidden is null)
        {
            if (!hidden) return;
            _hidden = new ulong[(_tableRows + 63) / 64];
        }
        if (hidden) _hidden[local >> 6] |= 1UL << (int)(local & 63);
        else _hidden[local >> 6] &= ~(1UL << (int)(local & 63));
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
    /// <paramref name="restrict"/> table rows (0: all; a copy counts as its base row) and the views' own rows, leaving
    /// out <paramref name="excludeId"/>: the table's base rows the view does not hide, then this view's rows.
    /// </summary>
    public NeighbourResult Search(TableVectors table, ReadOnlySpan<float> unitQuery, int k, long restrict, long excludeId)
    {
        var query = unitQuery.ToArray();
        _lock.EnterReadLock();
        try
        {
            // Candidates are two ranges: the (restricted) table rows, then this view's rows.
            var tableEnd = restrict > 0 ? (int)Math.Min(restrict, table.Rows) : table.Rows;
            var total = tableEnd + _count;
            var hidden = _hidden;
            var parts = Math.Clamp(total / 8192, 1, Environment.ProcessorCount);
            var best = new (int Candidate, float Similarity)[parts][];
            var compared = new long[parts];
            Parallel.For(0, parts, part =>
            {
                var heap = new PriorityQueue<int, float>(k + 1);
                var last = (int)((long)total * (part + 1) / parts);
                for (var n = (int)((long)total * part / parts); n < last; n++)
                {
                    ReadOnlySpan<float> row;
                    if (n < tableEnd)
                    {
                        if (table.Token(n) is null || hidden is not null && (hidden[n >> 6] & (1UL << (n & 63))) != 0) continue;
                        if (Keys.MakeRowId(table.Space, n) == excludeId) continue;
                        row = table.Row(n);
                    }
                    else
                    {
                        var slot = n - tableEnd;
                        var id = _ids[slot];
                        if (_tokens[slot] is null || id == excludeId) continue;
                        if (restrict > 0 && IsBase(id) && Keys.LocalOf(id) >= restrict) continue;
                        row = _unit.AsSpan(slot * _dim, _dim);
                    }
                    compared[part]++;
                    var similarity = TensorPrimitives.Dot(query, row);
                    if (heap.Count < k) heap.Enqueue(n, similarity);
                    else if (heap.TryPeek(out _, out var worst) && similarity > worst) heap.DequeueEnqueue(n, similarity);
                }
                best[part] = [.. heap.UnorderedItems.Select(e => (e.Element, e.Priority))];
            });
            var neighbours = best.SelectMany(b => b).OrderByDescending(e => e.Similarity).ThenBy(e => e.Candidate).Take(k)
                .Select(e => e.Candidate < tableEnd
                    ? new Neighbour(table.Token(e.Candidate)!, Keys.MakeRowId(table.Space, e.Candidate), Math.Clamp(e.Similarity, -1f, 1f))
                    : new Neighbour(_tokens[e.Candidate - tableEnd]!, _ids[e.Candidate - tableEnd], Math.Clamp(e.Similarity, -1f, 1f)))
                .ToList();
            return new NeighbourResult(neighbours, compared.Sum());
        }
        finally { _lock.ExitReadLock(); }
    }
}
