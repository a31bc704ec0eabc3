using System.Buffers;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// The one way the store writes a record. A write of a view's rows is a <see cref="RowWrite"/> (from <see cref="Begin"/>),
/// whose methods (<see cref="RowWrite.Create"/>, <see cref="RowWrite.Update"/>, <see cref="RowWrite.Evict"/>) each do a
/// row write's every part: the storage operation through <see cref="IRecordStore"/> with the write-ahead log (the
/// version taken, the record written and its after-image logged under the key's lock: docs/storage.md, "Recovery: one
/// consistent cut"), the change feed's entry, the neighbour caches' marks, the view's use tracking and hygiene
/// bookkeeping, its row counters and the crash points. The other writes are here too: records that carry their own
/// version (<see cref="Set"/>: the catalog, the recent pushes' slots, a snapshot's records, none of them a view's row)
/// and an import's base rows (<see cref="ImportRow"/>, not logged: a checkpoint makes them durable).
/// </summary>
internal sealed class RowWrites(
    IRecordStore records,
    IWriteLog log,
    Func<long> nextVersion,
    ChangeFeed feed,
    ViewGates gates,
    EvictionLog evictions,
    NeighbourCaches caches,
    ViewRecords views,
    Action<ViewChain, long> noteUse)
{
    // Fields rather than captured parameters: RowWrite, nested, uses them.
    private readonly IRecordStore _records = records;
    private readonly IWriteLog _log = log;
    private readonly Func<long> _nextVersion = nextVersion;
    private readonly ChangeFeed _feed = feed;
    private readonly ViewGates _gates = gates;
    private readonly EvictionLog _evictions = evictions;
    private readonly NeighbourCaches _caches = caches;
    private readonly ViewRecords _views = views;
    private readonly Action<ViewChain, long> _noteUse = noteUse;

    /// <summary>Starts a write of the chain's view's rows: holds the view's gate shared and a change-feed ticket until disposed.</summary>
    public RowWrite Begin(ViewChain chain, int expectedRows) => new(this, chain, expectedRows);

    /// <summary>Writes a record that carries its own version (taken by the caller), and logs it under the key's lock.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _records.Upsert(key, value, _log);

    /// <summary>
    /// An imported base row: claims its token (the first occurrence wins) and writes its row, neither logged (base rows
    /// are made durable by the checkpoint that ends the import). False, writing nothing, when the token was claimed
    /// before; <paramref name="winner"/> is then its record.
    /// </summary>
    public bool ImportRow(ReadOnlySpan<byte> tokenKey, ReadOnlySpan<byte> tokenValue, ReadOnlySpan<byte> rowKey, ReadOnlySpan<byte> row,
        Span<byte> winner)
    {
        if (_records.Update(tokenKey, tokenValue, null, winner) != UpdateOutcome.Created) return false;
        _records.Upsert(rowKey, row);
        return true;
    }

    /// <summary>Tells the neighbour caches of the views that read <paramref name="space"/> that a row there was written or removed.</summary>
    private void MarkChanged(int space, long id)
    {
        foreach (var rows in _caches.Views)
            if (Array.IndexOf(rows.Watched, space) >= 0) rows.MarkDirty(id);
    }

    /// <summary>
    /// A write to one view's rows: holds the view's gate shared and a change-feed ticket from <see cref="Begin"/> to
    /// <see cref="Dispose"/>, which publishes the changes its writes made. Disposed on every path, so a failed write
    /// cannot hold back the feed's watermark. Synchronous: the gate is thread-bound. One per request, reused for its rows.
    /// </summary>
    internal sealed class RowWrite : IDisposable
    {
        private readonly RowWrites _writes;
        private readonly ViewChain _chain;
        private readonly ReaderWriterLockSlim _gate;
        private readonly long _ticket;
        private ChangeFeed.Change[] _changes;
        private int _count;
        private ViewChain? _parent;

        public RowWrite(RowWrites writes, ViewChain chain, int expectedRows)
        {
            _writes = writes;
            _chain = chain;
            _gate = writes._gates.For(chain.View.Space);
            _gate.EnterReadLock();
            _ticket = writes._feed.BeginWrite();
            _changes = new ChangeFeed.Change[Math.Max(1, expectedRows)];
        }

        /// <summary>
        /// Creates the token's row in the view under a new id: the token record and the row (<paramref name="row"/>, whose
        /// version is stamped here) are written as one (<see cref="IRecordStore.CreateTogether"/>): one log entry, logged
        /// under both keys' locks, so a push to the new row (which takes the row's lock) logs its entry after the
        /// creation's. Returns the new id with <paramref name="created"/> set, or, when a concurrent creation of the token
        /// won, writes nothing and returns the winner's id (the new id is spent, never reused).
        /// </summary>
        public long Create(string token, byte[] row, out bool created)
        {
            var view = _chain.View;
            var id = Keys.MakeRowId(view.Space, Interlocked.Increment(ref view.NextLocal) - 1);
            Span<byte> rowKey = stackalloc byte[Keys.RowKeyLength];
            Keys.WriteRowKey(rowKey, view.Space, id);
            var tokenKey = new byte[Keys.TokenKeyLength(token)];
            Keys.WriteTokenKey(tokenKey, view.Space, token);
            Span<byte> claim = stackalloc byte[TokenRecord.Length];
            TokenRecord.Write(claim, 0, id);
            Span<byte> winner = stackalloc byte[TokenRecord.Length];
            CrashPoints.Reach(CrashPoint.RowCreating);
            created = _writes._records.CreateTogether(tokenKey, claim, rowKey, row, _writes._nextVersion, _writes._log, winner);
            if (!created) return TokenRecord.RowId(winner);
            CrashPoints.Reach(CrashPoint.RowCreated);
            Interlocked.Increment(ref view.OwnRows);
            Written(id, RowRecord.Version(row));
            return id;
        }

        /// <summary>
        /// Applies <paramref name="updater"/> to the view's own record of a row, first copying the inherited record when the
        /// view has none yet (copy-on-write, counted in the view's copies). The record after the update is left in
        /// <paramref name="scratch"/>. False when the row no longer exists. An update the updater refused
        /// (<see cref="RowUpdater.Refused"/>) leaves the row as it was and is not published as a change.
        /// </summary>
        public bool Update(long id, RowUpdater updater, byte[] scratch)
        {
            var space = _chain.View.Space;
            Span<byte> key = stackalloc byte[Keys.RowKeyLength];
            Keys.WriteRowKey(key, space, id);
            var outcome = _writes._records.Update(key, default, updater, scratch, _writes._log);
            if (outcome == UpdateOutcome.NotFound && Keys.OwnerOf(id) != space)
            {
                // First write to an inherited row: the copy is built in pooled buffers.
                var source = ArrayPool<byte>.Shared.Rent(scratch.Length);
                var copy = ArrayPool<byte>.Shared.Rent(scratch.Length);
                try
                {
                    var length = _writes._views.CopyInherited(_parent ??= ViewRecords.ParentChain(_chain), _chain.Slots, id, source, copy);
                    if (length < 0) return false;
                    outcome = _writes._records.Update(key, copy.AsSpan(0, length), updater, scratch, _writes._log);
                    if (outcome == UpdateOutcome.Created) Interlocked.Increment(ref _chain.View.CopiedRows);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(source);
                    ArrayPool<byte>.Shared.Return(copy);
                }
            }
            if (outcome == UpdateOutcome.NotFound) return false;
            if (updater.Refused)
            {
                _writes._noteUse(_chain, id);
                _writes.MarkChanged(space, id);
            }
            else Written(id, RowRecord.Version(scratch));
            return true;
        }

        /// <summary>
        /// Removes the view's record of a row (and, for an own row, its token, which becomes unknown again; a copy's row
        /// reads its parent's vector again), each deletion with its version, logged, so evicted rows stay gone after a
        /// restart. Counts the eviction and remembers the token for subscribers. False when the view holds no record of
        /// the row. <paramref name="scratch"/> holds a record of the chain.
        /// </summary>
        public bool Evict(long id, byte[] scratch)
        {
            var view = _chain.View;
            Span<byte> rowKey = stackalloc byte[Keys.RowKeyLength];
            Keys.WriteRowKey(rowKey, view.Space, id);
            if (_writes._records.Read(rowKey, scratch) < 0) return false;
            var own = Keys.OwnerOf(id) == view.Space;
            var token = RowRecord.Token(scratch);
            if (own)
            {
                var tokenKey = new byte[Keys.TokenKeyLength(token)];
                Keys.WriteTokenKey(tokenKey, view.Space, token);
                _writes._records.Delete(tokenKey, _writes._nextVersion, _writes._log);
            }
            CrashPoints.Reach(CrashPoint.RowEvicting);
            var version = _writes._records.Delete(rowKey, _writes._nextVersion, _writes._log);
            _writes._evictions.Add(id, token, version);
            Interlocked.Decrement(ref own ? ref view.OwnRows : ref view.CopiedRows);
            Interlocked.Increment(ref view.EvictedRows);
            Changed(id, version);
            _writes.MarkChanged(view.Space, id);
            return true;
        }

        /// <summary>A row written (created or updated): its change for the feed, its use, its mark in the caches.</summary>
        private void Written(long id, long version)
        {
            Changed(id, version);
            _writes._noteUse(_chain, id);
            _writes.MarkChanged(_chain.View.Space, id);
        }

        /// <summary>Records that the view's record of <paramref name="rowId"/> now has <paramref name="version"/>.</summary>
        private void Changed(long rowId, long version)
        {
            if (_count == _changes.Length) Array.Resize(ref _changes, _count * 2);
            _changes[_count++] = new ChangeFeed.Change(_chain.View.Space, rowId, version);
        }

        public void Dispose()
        {
            _writes._feed.EndWrite(_ticket, _changes.AsSpan(0, _count));
            _gate.ExitReadLock();
        }
    }
}
