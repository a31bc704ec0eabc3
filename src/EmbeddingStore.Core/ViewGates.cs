using System.Collections.Concurrent;

namespace EmbeddingStore.Core;

/// <summary>
/// One reader/writer gate per view space. Every write to a view's records holds its gate shared, so writers
/// never wait for each other here; a snapshot holds the gates of a view and its ancestors exclusively while it
/// copies them, which is what makes its copy one consistent cut. Writers take their gate in <see cref="RowWrites.RowWrite"/>.
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
