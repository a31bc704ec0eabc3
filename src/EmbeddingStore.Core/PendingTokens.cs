namespace EmbeddingStore.Core;

/// <summary>
/// Sightings of tokens that have no row yet, for a view's <c>min_count</c>. Bounded in tokens and in characters
/// (a token may be up to <c>--max-token-length</c> long): at either capacity the least-seen are forgotten until a
/// quarter of it is free again (their counts start again), so a flood of one-off tokens, the bulk of a Zipf tail,
/// cannot grow it. Kept in memory only: counts start again after a restart.
/// </summary>
internal sealed class PendingTokens(int capacity, long charCapacity = PendingTokens.DefaultCharCapacity)
{
    public const int DefaultCapacity = 100_000;

    /// <summary>4M characters: 8 MiB of UTF-16 per view, whatever the tokens' length (100,000 tokens of up to 41 characters).</summary>
    public const long DefaultCharCapacity = 1L << 22;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private long _chars;

    public int Count
    {
        get { lock (_counts) return _counts.Count; }
    }

    /// <summary>Characters of the pending tokens.</summary>
    public long Chars
    {
        get { lock (_counts) return _chars; }
    }

    /// <summary>Counts one sighting; true once the token has been seen <paramref name="minCount"/> times (it stops being pending).</summary>
    public bool See(string token, int minCount)
    {
        lock (_counts)
        {
            _counts.TryGetValue(token, out var seen);
            if (++seen >= minCount)
            {
                if (_counts.Remove(token)) _chars -= token.Length;
                return true;
            }
            if (seen == 1)
            {
                if (token.Length > charCapacity) return false;
                if (_counts.Count >= capacity || _chars + token.Length > charCapacity) ForgetLeastSeen();
                _chars += token.Length;
            }
            _counts[token] = seen;
            return false;
        }
    }

    private void ForgetLeastSeen()
    {
        var keep = capacity - Math.Max(1, capacity / 4);
        var keepChars = charCapacity - charCapacity / 4;
        for (var threshold = 1; (_counts.Count > keep || _chars > keepChars) && _counts.Count > 0; threshold++)
        {
            foreach (var token in _counts.Where(p => p.Value <= threshold).Select(p => p.Key).ToList())
            {
                _counts.Remove(token);
                _chars -= token.Length;
            }
        }
    }
}
