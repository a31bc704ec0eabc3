using System.Collections.Concurrent;

namespace CrashLoop;

/// <summary>What the store answered for one created token: its id, when, and the hash of its row once known.</summary>
public readonly record struct TokenEntry(long Id, long AcknowledgedAt, int? Hash);

/// <summary>Every token created through one view whose creation was acknowledged, and not yet found gone for good.</summary>
public sealed class TokenLedger(string view, bool evicts)
{
    private readonly ConcurrentDictionary<string, TokenEntry> _entries = new();

    public string View { get; } = view;

    /// <summary>The view evicts unused rows: a token may become unknown again, never change its id.</summary>
    public bool Evicts { get; } = evicts;

    public int Count => _entries.Count;

    public IReadOnlyList<KeyValuePair<string, TokenEntry>> Entries => [.. _entries];

    /// <param name="vectors">The rows the creating call returned (a Pull), or null (a Resolve): the first check hashes them then.</param>
    public void Acknowledged(IReadOnlyList<string> tokens, IReadOnlyList<long> ids, long timestamp, float[]? vectors, int dim)
    {
        for (var i = 0; i < tokens.Count; i++)
            _entries[tokens[i]] = new TokenEntry(ids[i], timestamp, vectors is null ? null : RowBits.Hash(vectors.AsSpan(i * dim, dim)));
    }

    public void SetHash(string token, int hash) => _entries[token] = _entries[token] with { Hash = hash };

    /// <summary>Stops following a token that is gone (evicted, lost within the flush interval, or already reported).</summary>
    public void Forget(string token) => _entries.TryRemove(token, out _);
}
