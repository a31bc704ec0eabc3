namespace EmbeddingStore.Core;

/// <summary>
/// Sightings of tokens that have no row yet, for a view's <c>min_count</c>. Bounded: at the capacity the
/// least-seen quarter is forgotten (their counts start again), so a flood of one-off tokens, the bulk of a
/// Zipf tail, cannot grow it. Kept in memory only: counts start again after a restart.
/// </summary>
internal sealed class PendingTokens(int capacity)
{
    public const int DefaultCapacity = 100_000;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int Count
    {
        get { lock (_counts) return _counts.Count; }
    }

    /// <summary>Counts one sighting; true once the token has been seen <paramref name="minCount"/> times (it stops being pending).</summary>
    public bool See(string token, int minCount)
    {
        lock (_counts)
        {
            _counts.TryGetValue(token, out var seen);
            if (++seen >= minCount)
            {
                _counts.Remove(token);
                return true;
            }
            if (seen == 1 && _counts.Count >= capacity) ForgetLeastSeen();
            _counts[token] = seen;
            return false;
        }
    }

    private void ForgetLeastSeen()
    {
        var target = Math.Max(1, capacity / 4);
        var forgotten = 0;
        for (var threshold = 1; forgotten < target && _counts.Count > 0; threshold++)
        {
            foreach (var token in _counts.Where(p => p.Value <= threshold).Select(p => p.Key).ToList())
            {
                _counts.Remove(token);
                forgotten++;
            }
        }
    }
}
