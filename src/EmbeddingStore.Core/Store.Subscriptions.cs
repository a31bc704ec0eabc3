using System.Diagnostics;
using System.Runtime.CompilerServices;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Subscriptions: the current state of the rows of interest, then their changes as they happen, read from the
/// change feed. Nothing is queued per subscriber: each round reads the feed from the subscriber's position,
/// coalesces the rows it names and sends their values as they read now. A subscriber that stops reading simply
/// stops advancing; if the ring overtakes it, it gets the rows changed since its version from what the ring still
/// holds, or a full resend flagged as a resync. Memory per subscriber is one message, whatever its speed.
/// </summary>
public sealed partial class Store
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>Gates held, one per view written to (tests).</summary>
    internal int ViewGatesForTests => _gates.Count;

    /// <summary>The changes the feed holds, oldest first (tests).</summary>
    internal ChangeFeed.Change[] FeedChangesForTests()
    {
        var (head, _) = _feed.Position();
        var from = _feed.Oldest;
        var changes = new ChangeFeed.Change[head - from];
        var count = _feed.Read(from, head, changes);
        return changes[..Math.Max(0, count)];
    }

    /// <summary>Rows per message: about 4 MiB of vectors.</summary>
    private static int RowsPerMessage(int dim) => Math.Clamp((4 << 20) / (4 * dim), 64, 8192);

    /// <summary>Where a subscriber stands: its next position in the feed, the version it has seen, and rows it was sent ahead of that version.</summary>
    private sealed class SubscriberState
    {
        public long Position;
        public long Seen;
        public bool FellBehind;
        public readonly Dictionary<long, long> SentAhead = [];
        public readonly Stopwatch SinceLastMessage = Stopwatch.StartNew();

        /// <summary>Rows sent with a version above the watermark need not be sent again for that version.</summary>
        public void Sent(long id, long version, long watermark)
        {
            if (version > watermark) SentAhead[id] = version;
        }

        public void Advance(long watermark)
        {
            Seen = watermark;
            foreach (var (id, version) in SentAhead)
                if (version <= watermark) SentAhead.Remove(id);
        }
    }

    public async IAsyncEnumerable<ChangeSet> SubscribeAsync(SubscriptionSpec spec, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chain = Chain(spec.View);
        var interest = RowInterest.From(spec);
        var state = new SubscriberState();
        var (head, watermark) = _feed.Position();
        if (spec.AfterVersion > 0 && spec.AfterVersion <= watermark && HoldsChangesAfter(spec.AfterVersion))
        {
            state.Position = _feed.Oldest;
            state.Seen = spec.AfterVersion;
            foreach (var set in Round(chain, interest, state, head, watermark, caughtUp: true)) yield return set;
        }
        else
        {
            foreach (var set in FullState(chain, interest, state, resync: spec.AfterVersion > 0)) yield return set;
        }

        while (true)
        {
            if (state.FellBehind)
            {
                state.FellBehind = false;
                if (HoldsChangesAfter(state.Seen)) state.Position = _feed.Oldest;
                else foreach (var set in FullState(chain, interest, state, resync: true)) yield return set;
                continue;
            }
            await _feed.WaitAsync(state.Position, cancellationToken);
            if (!StillExists(chain))
                throw new StoreException(StoreError.NotFound, $"view '{chain.View.Name}' was deleted");
            (head, watermark) = _feed.Position();
            foreach (var set in Round(chain, interest, state, head, watermark, caughtUp: false)) yield return set;
        }
    }

    /// <summary>Whether the feed still holds every change after <paramref name="version"/>, and the eviction log every eviction.</summary>
    private bool HoldsChangesAfter(long version) => _feed.HoldsChangesAfter(version) && !_evictions.ForgotAfter(version);

    private bool StillExists(ViewChain chain)
    {
        lock (_catalogLock) return _catalog.Views.TryGetValue(chain.View.Name, out var view) && ReferenceEquals(view, chain.View);
    }

    /// <summary>
    /// Reads the feed from the subscriber's position to <paramref name="until"/> and sends the rows of interest it names.
    /// The last message carries <paramref name="watermark"/>; earlier ones the version seen before. Sets
    /// <see cref="SubscriberState.FellBehind"/> instead when the ring has overwritten the position.
    /// </summary>
    private IEnumerable<ChangeSet> Round(ViewChain chain, RowInterest interest, SubscriberState state, long until, long watermark, bool caughtUp)
    {
        var changes = new ChangeFeed.Change[RowsPerMessage(chain.Dim)];
        var scratch = new byte[ViewRecords.RecordCapacity(chain)];
        var viewSpaces = chain.Spaces[..^1];
        var ids = new List<long>();
        var distinct = new HashSet<long>();
        do
        {
            var count = _evictions.ForgotAfter(state.Seen) ? -1 : _feed.Read(state.Position, until, changes);
            if (count < 0)
            {
                state.FellBehind = true;
                yield break;
            }
            state.Position += count;
            ids.Clear();
            distinct.Clear();
            foreach (var change in changes.AsSpan(0, count))
                if (change.Version > state.Seen && viewSpaces.Contains(change.Space) && distinct.Add(change.RowId)) ids.Add(change.RowId);
            var rows = new List<ChangedRow>();
            var removed = new List<string>();
            foreach (var id in ids)
            {
                // An eviction changes what the view reads without a newer version on the row: a copy's row reads its
                // parent's (older) value again, an own row is gone with its token.
                var evicted = _evictions.TryGetEvictedAfter(id, state.Seen, out var evictedToken);
                var row = ReadInterestingRow(chain, interest, id, scratch, evicted ? -1 : state.Seen);
                if (row is null)
                {
                    if (evicted && interest.Matches(evictedToken) && _viewRecords.FindToken(chain, evictedToken) < 0) removed.Add(evictedToken);
                    continue;
                }
                if (state.SentAhead.TryGetValue(id, out var sent) && sent == row.Meta.Version && !evicted) continue;
                rows.Add(row);
                state.Sent(id, row.Meta.Version, watermark);
            }
            var last = state.Position >= until;
            if (last) state.Advance(watermark);
            if (rows.Count > 0 || removed.Count > 0 || last && (caughtUp || state.SinceLastMessage.Elapsed >= Heartbeat))
            {
                state.SinceLastMessage.Restart();
                yield return new ChangeSet(rows, state.Seen, last && caughtUp, Resync: false) { Removed = removed };
            }
        } while (state.Position < until);
    }

    /// <summary>Sends every row of interest as it reads now, ending with the caught-up message; the subscriber continues from there.</summary>
    private IEnumerable<ChangeSet> FullState(ViewChain chain, RowInterest interest, SubscriberState state, bool resync)
    {
        var (head, watermark) = _feed.Position();
        var before = state.Seen;
        var perMessage = RowsPerMessage(chain.Dim);
        var scratch = new byte[ViewRecords.RecordCapacity(chain)];
        var rows = new List<ChangedRow>();
        foreach (var id in CandidateIds(chain, interest))
        {
            var row = ReadInterestingRow(chain, interest, id, scratch, newerThan: -1);
            if (row is null) continue;
            rows.Add(row);
            state.Sent(id, row.Meta.Version, watermark);
            if (rows.Count < perMessage) continue;
            yield return new ChangeSet(rows, before, CaughtUp: false, resync);
            rows = [];
        }
        state.Position = head;
        state.Advance(watermark);
        state.SinceLastMessage.Restart();
        yield return new ChangeSet(rows, watermark, CaughtUp: true, resync);
    }

    private IEnumerable<long> CandidateIds(ViewChain chain, RowInterest interest)
    {
        if (interest.AllViewRows) return ViewRowIds(chain);
        if (interest.Tokens is { } tokens)
            return tokens.Select(token => token == chain.View.PadToken ? -1 : _viewRecords.FindToken(chain, token)).Where(id => id >= 0);
        return ReadableRowIds(chain);
    }

    /// <summary>
    /// The row as the view reads it, if it is of interest and its version is above <paramref name="newerThan"/>
    /// (a change shadowed by a nearer copy leaves the version the view reads unchanged); otherwise null.
    /// </summary>
    private ChangedRow? ReadInterestingRow(ViewChain chain, RowInterest interest, long id, byte[] scratch, long newerThan)
    {
        var position = _viewRecords.Read(chain, id, scratch);
        if (position is ViewRecords.NotReadable or ViewRecords.PadPosition) return null;
        var version = RowRecord.Version(scratch);
        if (version <= newerThan) return null;
        var token = RowRecord.Token(scratch);
        if (!interest.Matches(token)) return null;
        // A token names the row it resolves to; an ancestor's row of the same token is shadowed by the nearer one.
        if (!interest.AllViewRows && Keys.OwnerOf(id) != chain.Table.Space && _viewRecords.FindToken(chain, token) != id) return null;
        var meta = new RowMeta(id, RowRecord.Origin(scratch), ViewRecords.IsTrainable(chain, id), version, position == 0, chain.ReadsNeverChange[position]);
        return new ChangedRow(token, meta, RowRecord.Vector((ReadOnlySpan<byte>)scratch).ToArray());
    }
}
