using FASTER.core;

namespace EmbeddingStore.Core.Storage;

/// <summary>
/// The newest address of each key seen in a scan of part of the log, so that a compaction can tell without a read
/// that a record has a newer one in the same part. Keys are held as two independent 64-bit hashes (FASTER's and
/// FNV-1a): a record counts as superseded only when both match a later record's; keys whose FASTER hash is shared
/// with another key, and keys beyond the capacity, are left to the compaction's reads.
/// </summary>
internal sealed class NewestInScan(int capacity)
{
    private readonly Dictionary<long, (long Address, long Check)> _newest = [];

    /// <summary>Marks a FASTER hash that two different keys share.</summary>
    private const long Ambiguous = 0;

    /// <summary>Records come in address order: each one is the newest of its key so far.</summary>
    public void Note(ref SpanByte key, long address)
    {
        var (hash, check) = Hashes(ref key);
        if (_newest.TryGetValue(hash, out var seen))
            _newest[hash] = (address, seen.Check == check ? check : Ambiguous);
        else if (_newest.Count < capacity)
            _newest[hash] = (address, check);
    }

    /// <summary>Whether a later record of the key was seen: the record at <paramref name="address"/> is then garbage.</summary>
    public bool HasNewer(ref SpanByte key, long address)
    {
        var (hash, check) = Hashes(ref key);
        return _newest.TryGetValue(hash, out var seen) && seen.Check == check && seen.Address > address;
    }

    private static (long Hash, long Check) Hashes(ref SpanByte key)
    {
        var fnv = 14695981039346656037UL;
        foreach (var b in key.AsReadOnlySpan()) fnv = (fnv ^ b) * 1099511628211UL;
        return (SpanByteComparer.StaticGetHashCode64(ref key), (long)(fnv | 1)); // odd: never Ambiguous
    }
}
