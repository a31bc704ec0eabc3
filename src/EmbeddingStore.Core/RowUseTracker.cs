using System.Collections.Concurrent;

namespace EmbeddingStore.Core;

/// <summary>
/// When each of a view's own records (own rows and fine-tune copies) was last pulled, pushed or created, for
/// eviction. In memory and approximate: after a restart every existing record counts as used at the start.
/// </summary>
internal sealed class RowUseTracker
{
    private readonly ConcurrentDictionary<long, long> _lastUse = new();

    public RowUseTracker(IEnumerable<long> existing, long now)
    {
        foreach (var id in existing) _lastUse[id] = now;
    }

    public int Count => _lastUse.Count;

    public void Touch(long id, long now) => _lastUse[id] = now;

    /// <summary>Rows last used before <paramref name="cutoff"/>, with the use time seen, for <see cref="TryClaim"/>.</summary>
    public List<KeyValuePair<long, long>> UnusedSince(long cutoff) => _lastUse.Where(p => p.Value < cutoff).ToList();

    /// <summary>Stops tracking the row unless it was used after <paramref name="candidate"/> was listed; true when claimed for eviction.</summary>
    public bool TryClaim(KeyValuePair<long, long> candidate) => _lastUse.TryRemove(candidate);
}
