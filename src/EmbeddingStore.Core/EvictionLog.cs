using System.Collections.Concurrent;

namespace EmbeddingStore.Core;

/// <summary>
/// The tokens of recently evicted rows, by row id, so that subscribers can be told which tokens went away (an
/// evicted row's record, and with it its token, is gone). Bounded: past <see cref="Capacity"/> entries or
/// <see cref="MaxChars"/> characters of tokens (a token may be 1,000 characters long) the oldest entries are
/// forgotten, and <see cref="ForgotAfter"/> tells a subscriber that saw less than a forgotten eviction to resync.
/// </summary>
public sealed class EvictionLog(int capacity = 65_536)
{
    /// <summary>16M characters: 32 MiB of UTF-16, whatever the tokens' length.</summary>
    public const long MaxChars = 1L << 24;

    private readonly ConcurrentDictionary<long, (string Token, long Version)> _byId = new();
    private readonly ConcurrentQueue<long> _order = new();
    private readonly Lock _trim = new();
    private long _chars;
    private long _forgottenVersion;

    public int Capacity { get; } = capacity;

    /// <summary>Characters of the tokens held.</summary>
    public long Chars => Interlocked.Read(ref _chars);

    public int Count => _byId.Count;

    public void Add(long id, string token, long version)
    {
        lock (_trim)
        {
            if (_byId.TryGetValue(id, out var replaced)) Interlocked.Add(ref _chars, -replaced.Token.Length);
            _byId[id] = (token, version);
            Interlocked.Add(ref _chars, token.Length);
            _order.Enqueue(id);
            while ((_order.Count > Capacity || _chars > MaxChars) && _order.TryDequeue(out var oldest))
                if (_byId.TryRemove(oldest, out var forgotten))
                {
                    Interlocked.Add(ref _chars, -forgotten.Token.Length);
                    Interlocked.Exchange(ref _forgottenVersion, Math.Max(_forgottenVersion, forgotten.Version));
                }
        }
    }

    /// <summary>Whether an eviction after version <paramref name="seen"/> was forgotten: a subscriber there must resync.</summary>
    public bool ForgotAfter(long seen) => Interlocked.Read(ref _forgottenVersion) > seen;

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
