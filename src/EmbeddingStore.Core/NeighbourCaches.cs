namespace EmbeddingStore.Core;

/// <summary>
/// Every neighbour cache of the store, under one byte budget (<see cref="StoreOptions.NeighbourCacheBytes"/>): the
/// tables' <see cref="TableVectors"/>, shared by all their views, and each queried view's <see cref="ViewRowVectors"/>.
/// A cache that would take the store over the budget first evicts the least recently used ones; one larger than the
/// whole budget is refused with RESOURCE_EXHAUSTED. A query in progress keeps what it holds until it ends; the next
/// query of an evicted cache builds it again.
/// </summary>
internal sealed class NeighbourCaches(long budget)
{
    /// <summary>The flag that sets the budget, named by refusals.</summary>
    public const string Flag = "--neighbour-cache-mb";

    private sealed class Entry(object value, long bytes)
    {
        public readonly object Value = value;
        public Lazy<bool>? Loader;
        public long Bytes = bytes;
        public long LastUse;
    }

    private readonly object _lock = new();
    /// <summary>Keyed by space: tables and views never share one.</summary>
    private readonly Dictionary<int, Entry> _entries = [];
    private long _bytes;
    private long _clock;
    /// <summary>Read on every write without a lock; replaced, never changed, under <see cref="_lock"/>.</summary>
    private ViewRowVectors[] _views = [];

    public long Budget => budget;

    /// <summary>Bytes the caches hold (their estimate until loaded).</summary>
    public long Bytes
    {
        get { lock (_lock) return _bytes; }
    }

    /// <summary>The view caches that writers mark rows dirty in.</summary>
    public ViewRowVectors[] Views => Volatile.Read(ref _views);

    /// <summary>The table's shared vectors, loaded on first use.</summary>
    public TableVectors Table(TableEntry table, Action<TableVectors> load) =>
        (TableVectors)Get(table.Space, () => new TableVectors(table.Space, table.Dim, table.Rows),
            TableVectors.EstimateBytes(table.Rows, table.Dim), v => load((TableVectors)v), v => ((TableVectors)v).Bytes,
            $"table '{table.Name}' ({table.Rows:N0} rows x {table.Dim})");

    /// <summary>The view's own rows, registered with writers before <paramref name="load"/> reads any row.</summary>
    public ViewRowVectors View(ViewChain chain, long estimatedRows, Action<ViewRowVectors> load) =>
        (ViewRowVectors)Get(chain.View.Space,
            () => new ViewRowVectors(chain.View.Space, chain.Spaces[..^1], chain.Dim, chain.Table.Space, chain.Table.Rows),
            ViewRowVectors.EstimateBytes(estimatedRows, chain.Dim), v => load((ViewRowVectors)v), v => ((ViewRowVectors)v).Bytes,
            $"the rows of view '{chain.View.Name}' ({estimatedRows:N0} rows x {chain.Dim})");

    private object Get(int space, Func<object> create, long estimate, Action<object> load, Func<object, long> measure, string what)
    {
        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(space, out entry!))
            {
                if (estimate > budget)
                    throw new StoreException(StoreError.ResourceExhausted,
                        $"neighbour cache: {what} needs about {estimate >> 20:N0} MiB > limit {budget >> 20:N0} MiB ({Flag})");
                MakeRoomLocked(estimate, space);
                entry = new Entry(create(), estimate);
                var made = entry;
                entry.Loader = new Lazy<bool>(() =>
                {
                    load(made.Value);
                    Resize(space, made, measure(made.Value));
                    return true;
                }, LazyThreadSafetyMode.ExecutionAndPublication);
                _entries[space] = entry;
                _bytes += estimate;
                StoreMetrics.NeighbourCacheBytes.Add(estimate);
                if (entry.Value is ViewRowVectors view) _views = [.. _views, view];
            }
            entry.LastUse = ++_clock;
        }
        try { _ = entry.Loader!.Value; }
        catch
        {
            Remove(space, entry);
            throw;
        }
        return entry.Value;
    }

    /// <summary>Records what a view's cache holds after a refresh, evicting others if it grew past the budget.</summary>
    public void Measure(ViewRowVectors view)
    {
        lock (_lock)
            if (_entries.TryGetValue(view.Space, out var entry) && entry.Value == view) ResizeLocked(view.Space, entry, view.Bytes);
    }

    private void Resize(int space, Entry entry, long bytes)
    {
        lock (_lock) ResizeLocked(space, entry, bytes);
    }

    private void ResizeLocked(int space, Entry entry, long bytes)
    {
        if (!_entries.TryGetValue(space, out var current) || current != entry) return;
        StoreMetrics.NeighbourCacheBytes.Add(bytes - entry.Bytes);
        _bytes += bytes - entry.Bytes;
        entry.Bytes = bytes;
        MakeRoomLocked(0, space);
    }

    /// <summary>Evicts the least recently used caches (never <paramref name="keep"/>) until <paramref name="bytes"/> more fit.</summary>
    private void MakeRoomLocked(long bytes, int keep)
    {
        while (_bytes + bytes > budget)
        {
            var victim = _entries.Where(e => e.Key != keep).OrderBy(e => e.Value.LastUse).Select(e => (int?)e.Key).FirstOrDefault();
            if (victim is null) return;
            RemoveLocked(victim.Value);
        }
    }

    private void Remove(int space, Entry entry)
    {
        lock (_lock)
            if (_entries.TryGetValue(space, out var current) && current == entry) RemoveLocked(space);
    }

    private void RemoveLocked(int space)
    {
        var entry = _entries[space];
        _entries.Remove(space);
        _bytes -= entry.Bytes;
        StoreMetrics.NeighbourCacheBytes.Add(-entry.Bytes);
        if (entry.Value is ViewRowVectors view) _views = [.. _views.Where(v => v != view)];
    }

    /// <summary>Forgets the caches of deleted tables and views.</summary>
    public void Retain(IReadOnlySet<int> liveSpaces)
    {
        lock (_lock)
            foreach (var space in _entries.Keys.Where(s => !liveSpaces.Contains(s)).ToList()) RemoveLocked(space);
    }

    /// <summary>Drops every cache (the store closing).</summary>
    public void Clear()
    {
        lock (_lock)
            foreach (var space in _entries.Keys.ToList()) RemoveLocked(space);
    }

    /// <summary>Whether a cache is held for the space (tests).</summary>
    public bool Holds(int space)
    {
        lock (_lock) return _entries.ContainsKey(space);
    }
}
