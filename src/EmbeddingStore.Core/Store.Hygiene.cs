using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>Overlay hygiene: rows created only after <c>min_count</c> sightings, and eviction of unused rows.</summary>
public sealed partial class Store
{
    /// <summary>Rows are evicted between evict_unused_after_ms and that plus this interval after their last use.</summary>
    private static readonly TimeSpan EvictionSweepInterval = TimeSpan.FromMilliseconds(100);

    private OverlayHygiene HygieneOf(ViewChain chain) =>
        _hygiene.GetOrAdd(chain.View.Space, _ => new OverlayHygiene(() => new RowUseTracker(RecordsOwnedBy(chain), Environment.TickCount64)));

    /// <summary>Under the create policy: whether the token has now been seen often enough to get a row.</summary>
    private bool SeenOftenEnough(ViewChain chain, string token) =>
        chain.View.MinCount <= 1 || HygieneOf(chain).Pending.See(token, chain.View.MinCount);

    private int PendingCount(ViewEntry view) => _hygiene.TryGetValue(view.Space, out var hygiene) ? hygiene.Pending.Count : 0;

    /// <summary>Records that the view used its own record of a row (a pull, a push or its creation).</summary>
    private void NoteUse(ViewChain chain, long id)
    {
        if (chain.View.EvictUnusedAfterMs > 0) HygieneOf(chain).Uses.Touch(id, Environment.TickCount64);
    }

    /// <summary>Ids of the records the view itself holds: its own rows, and the copies it made of inherited rows.</summary>
    private List<long> RecordsOwnedBy(ViewChain chain)
    {
        var view = chain.View;
        var candidates = new List<long>();
        for (long local = 0; local < Interlocked.Read(ref view.NextLocal); local++) candidates.Add(Keys.MakeRowId(view.Space, local));
        if (chain.MayHoldCopies[0]) candidates.AddRange(ExportedIds(ViewRecords.ParentChain(chain)));
        var held = new List<long>();
        Span<byte> key = stackalloc byte[Keys.RowKeyLength];
        Span<byte> header = stackalloc byte[RowRecord.HeaderLength];
        foreach (var id in candidates)
        {
            Keys.WriteRowKey(key, view.Space, id);
            if (_records.Read(key, header) >= 0) held.Add(id);
        }
        return held;
    }

    /// <summary>The background sweep: forgets the in-memory state of deleted views and tables and evicts unused rows.</summary>
    private Task SweepUnusedRowsAsync()
    {
        List<ViewChain> chains;
        HashSet<int> live;
        lock (_catalogLock)
        {
            live = _catalog.Views.Values.Select(v => v.Space).ToHashSet();
            chains = _catalog.Views.Values.Where(v => v.EvictUnusedAfterMs > 0).Select(v => Chain(v.Name)).ToList();
            DropIndexes(live.Concat(_catalog.Tables.Values.Select(t => t.Space)).ToHashSet());
            // Under the lock: a view created after this look may already write through its gate.
            _gates.Retain(live);
        }
        foreach (var space in _hygiene.Keys.Where(s => !live.Contains(s))) _hygiene.TryRemove(space, out _);
        var evicted = 0;
        foreach (var chain in chains)
        {
            var uses = HygieneOf(chain).Uses;
            foreach (var candidate in uses.UnusedSince(Environment.TickCount64 - chain.View.EvictUnusedAfterMs))
                if (uses.TryClaim(candidate) && EvictRecord(chain, candidate.Key)) evicted++;
        }
        if (evicted == 0) return Task.CompletedTask;
        // The counters live in the catalog; saving it makes the deletes and the counts durable together.
        lock (_catalogLock) SaveCatalogLocked();
        CommitCatalog();
        return Task.CompletedTask;
    }

    /// <summary>Evicts the view's record of a row now, as the sweep would once it is unused (tests).</summary>
    internal bool EvictForTests(string view, long id) => EvictRecord(Chain(view), id);

    /// <summary>Removes the view's record of a row (<see cref="RowWrites.RowWrite.Evict"/>).</summary>
    private bool EvictRecord(ViewChain chain, long id)
    {
        using var write = _rowWrites.Begin(chain, 1);
        return write.Evict(id, new byte[ViewRecords.RecordCapacity(chain)]);
    }
}
