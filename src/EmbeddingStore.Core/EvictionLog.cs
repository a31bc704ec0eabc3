using System.Collections.Concurrent;

namespace EmbeddingStore.Core;

/// <summary>
/// The tokens of recently evicted rows, by row id, so that subscribers can be told which tokens went away (an
/// evicted row's record, and with it its token, is gone). Bounded: past <see cref="Capacity"/> the oldest entries
/// are forgotten; a subscriber that far behind is overtaken by the change feed too and gets a full resync.
/// </summary>
public sealed class EvictionLog(int capacity = 65_536)
{
    private readonly ConcurrentDictionary<long, (string Token, long Version)> _byId = new();
    private readonly ConcurrentQueue<long> _order = new();

    public int Capacity { get; } = capacity;

    public void Add(long id, string token, long version)
    {
        _byId[id] = (token, version);
        _order.Enqueue(id);
        while (_order.Count > Capacity && _order.TryDequeue(out var oldest)) _byId.TryRemove(oldest, out _);
    }

    /// <summary>The token of row <paramref name="id"/> if it was evicted after version <paramref name="after"/>.</summary>
    public bool TryGetEvictedAfter(long id, long after, out string token)
    {
        if (_byId.TryGetValue(id, out var entry) && entry.Version > after)
        {
            token = entry.Token;
            return true;
        }
        token = "";
        return false;
    }
}
