using System.Collections.Concurrent;

namespace EmbeddingStore.Core;

/// <summary>
/// One reader/writer gate per view space. Every write to a view's records holds its gate shared, so writers
/// never wait for each other here; a snapshot holds the gates of a view and its ancestors exclusively while it
/// copies them, which is what makes its copy one consistent cut.
/// </summary>
internal sealed class ViewGates
{
    private readonly ConcurrentDictionary<int, ReaderWriterLockSlim> _gates = new();

    public ReaderWriterLockSlim For(int space) => _gates.GetOrAdd(space, _ => new ReaderWriterLockSlim());

    public int Count => _gates.Count;

    /// <summary>
    /// Forgets the gates of deleted views. The caller holds the catalog lock, so no view of <paramref name="liveViews"/>
    /// is created meanwhile; a deleted view's space is never used again.
    /// </summary>
    public void Retain(IReadOnlySet<int> liveViews)
    {
        foreach (var space in _gates.Keys)
            if (!liveViews.Contains(space)) _gates.TryRemove(space, out _);
    }

    /// <summary>Holds the gates of <paramref name="spaces"/> exclusively, always in ascending order so two snapshots cannot deadlock.</summary>
    public IDisposable Exclusive(IEnumerable<int> spaces)
    {
        var held = new List<ReaderWriterLockSlim>();
        foreach (var space in spaces.Distinct().Order())
        {
            var gate = For(space);
            gate.EnterWriteLock();
            held.Add(gate);
        }
        return new Release(() =>
        {
            foreach (var gate in held) gate.ExitWriteLock();
        });
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

/// <summary>
/// A write to one view's rows: holds the view's gate shared and a change-feed ticket from construction to
/// <see cref="Dispose"/>, which publishes the changes recorded meanwhile. Disposed on every path, so a
/// failed write cannot hold back the feed's watermark. Synchronous: the gate is thread-bound.
/// </summary>
internal sealed class RowWrite : IDisposable
{
    private readonly ChangeFeed _feed;
    private readonly ReaderWriterLockSlim _gate;
    private readonly int _space;
    private readonly long _ticket;
    private ChangeFeed.Change[] _changes;
    private int _count;

    public RowWrite(ChangeFeed feed, ViewGates gates, int space, int expectedRows)
    {
        _feed = feed;
        _space = space;
        _gate = gates.For(space);
        _gate.EnterReadLock();
        _ticket = feed.BeginWrite();
        _changes = new ChangeFeed.Change[Math.Max(1, expectedRows)];
    }

    /// <summary>Records that the view's record of <paramref name="rowId"/> now has <paramref name="version"/>.</summary>
    public void Changed(long rowId, long version)
    {
        if (_count == _changes.Length) Array.Resize(ref _changes, _count * 2);
        _changes[_count++] = new ChangeFeed.Change(_space, rowId, version);
    }

    public void Dispose()
    {
        _feed.EndWrite(_ticket, _changes.AsSpan(0, _count));
        _gate.ExitReadLock();
    }
}
