using System.Collections.Concurrent;
using EmbeddingStore.Core.Storage;
using Microsoft.Extensions.Logging;

namespace EmbeddingStore.Core;

/// <summary>
/// The embedding store: tables of frozen base rows and views with trainable rows, in one FASTER
/// key-value store, with a write-ahead log of after-images for durability between checkpoints.
/// This file: opening, recovery, checkpoints and the catalog record. Rows, views, import and
/// export live in the other parts of this partial class.
/// </summary>
public sealed partial class Store : IEmbeddingStore, IAsyncDisposable
{
    /// <summary>Row id of the padding row: reads as zeros in every view, never trainable.</summary>
    public const long PadRowId = 0;

    private readonly IRecordStore _records;
    private readonly WriteAheadLog _wal;
    /// <summary>What a view reads: token lookups, the record a view sees for a row, copy-on-write, trainability.</summary>
    private readonly ViewRecords _viewRecords;
    /// <summary>Every write of a record, each with all its side effects (RowWrites.cs).</summary>
    private readonly RowWrites _rowWrites;
    private readonly DiskSpace _disk;
    private readonly StoreOptions _options;
    private readonly ILogger _logger;
    private readonly object _catalogLock = new();
    private readonly ConcurrentDictionary<string, ViewChain> _chains = new();
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private Catalog _catalog;
    private long _version;
    private int _disposed;

    // Versions (NextVersion).
    /// <summary>The highest version handed out may reach; never reached in memory (nothing survives a restart there).</summary>
    private long _versionLease;
    private readonly Lock _leaseLock = new();
    private int _leaseRenewing;

    /// <summary>Retired spaces that a snapshot is still filling: not garbage yet (guarded by the catalog lock).</summary>
    private readonly HashSet<int> _spacesBeingFilled = [];

    /// <summary>The request ids of recent pushes with their answers (Store.Push.cs).</summary>
    private readonly RecentPushes _recentPushes = new();

    /// <summary>
    /// At most one push per core applies rows at a time. Each row's update holds a FASTER record lock; with
    /// more pushing threads than cores, a thread spinning on a lock whose holder was descheduled burns the
    /// holder's time slice (16 in-process pushers on 2 cores fell to 2 % of one pusher's rate).
    /// </summary>
    private readonly SemaphoreSlim _pushGate = new(Environment.ProcessorCount, Environment.ProcessorCount);

    // Sharing (Store.Subscriptions.cs, Store.Snapshots.cs).
    private readonly ChangeFeed _feed;
    private readonly ViewGates _gates = new();
    /// <summary>As long as the change feed: a subscriber the feed still holds a position for hears of every eviction since.</summary>
    private readonly EvictionLog _evictions;

    /// <summary>The tables' shared unit vectors and each queried view's own rows, under one byte budget (Store.Similarity.cs).</summary>
    private readonly NeighbourCaches _neighbourCaches;

    /// <summary>Each view's in-memory hygiene state: min_count sightings, last uses (Store.Hygiene.cs).</summary>
    private readonly ConcurrentDictionary<int, OverlayHygiene> _hygiene = new();

    /// <summary>The write refusal last logged (Store.DiskSpace.cs).</summary>
    private string? _loggedWriteRefusal;

    private Store(IRecordStore records, WriteAheadLog wal, DiskSpace disk, Catalog catalog, long version, StoreOptions options, ILogger logger)
    {
        _records = records;
        _wal = wal;
        _viewRecords = new ViewRecords(records);
        _disk = disk;
        _catalog = catalog;
        _version = version;
        _versionLease = options.InMemory ? long.MaxValue : version;
        _options = options;
        _logger = logger;
        _feed = new ChangeFeed(options.ChangeFeedCapacity, () => Version);
        _evictions = new EvictionLog(options.ChangeFeedCapacity);
        _neighbourCaches = new NeighbourCaches(options.NeighbourCacheBytes);
        _rowWrites = new RowWrites(records, wal, NextVersion, _feed, _gates, _evictions, _neighbourCaches, _viewRecords, NoteUse);
    }

    /// <summary>The store-wide version of the latest write.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Bytes of write-ahead log not yet retired by a checkpoint.</summary>
    internal long WalBytes => _wal.Bytes;

    /// <summary>Bytes the store's log spans (what a checkpoint snapshots).</summary>
    internal long LogBytes => _records.LogBytes;

    /// <summary>Whether the next checkpoint will compact the log (tests).</summary>
    internal bool CompactionDueForTests => _records.CompactionDue;

    /// <summary>Opens the store in <see cref="StoreOptions.DataDir"/>: recovers the latest checkpoint, replays the write-ahead log.</summary>
    public static async Task<Store> OpenAsync(StoreOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<Store>();
        if (!options.InMemory) Directory.CreateDirectory(options.DataDir);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var disk = DiskSpace.For(options);
        var records = await FasterRecordStore.OpenAsync(options, logger, cancellationToken, disk);
        var wal = WriteAheadLog.Open(options, disk, logger);
        var recovery = Recovery.Run(records, wal);
        var store = new Store(records, wal, disk, recovery.Catalog, recovery.Version, options, logger);
        // The first lease: every version from here on is past every version handed out before.
        if (!options.InMemory) store.ExtendLease(recovery.Version + VersionLeaseStep);
        store._recentPushes.Load(records);
        records.SupersededBytes = Math.Max(records.SupersededBytes, recovery.Catalog.SupersededBytes);
        store.DiscardUnfinishedImports();
        logger.LogInformation("Store opened in {Ms} ms: {Tables} tables, {Views} views, {Entries} log entries applied, version {Version}",
            started.ElapsedMilliseconds, recovery.Catalog.Tables.Count, recovery.Catalog.Views.Count, recovery.Replayed, recovery.Version);
        if (recovery.Replayed > 0) await store.CheckpointAfterReplayAsync(cancellationToken);
        store.StartLoops();
        return store;
    }

    private void DiscardUnfinishedImports()
    {
        lock (_catalogLock)
        {
            var unfinished = _catalog.Tables.Values.Where(t => !t.Ready).ToList();
            if (unfinished.Count == 0) return;
            foreach (var table in unfinished)
            {
                _catalog.Tables.Remove(table.Name);
                _catalog.Retired.Add(table.Space);
                _logger.LogWarning("Discarded table {Table}: its import did not finish before the last stop", table.Name);
            }
            SaveCatalogLocked();
        }
        CommitCatalog();
    }

    private void StartLoops()
    {
        _loops.Add(RunEvery(EvictionSweepInterval, SweepUnusedRowsAsync));
        if (_options.InMemory) return;
        _loops.Add(RunEvery(TimeSpan.FromSeconds(1), LogWriteRefusalChangesAsync));
        _loops.Add(FlushOnOwnThread(_options.WalFlushInterval));
        // A checkpoint copies the log written since it was last flushed to the log file, which is at most the log's
        // memory (and every 8th time the hash index), so it waits until the write-ahead log is as large as that bound
        // (and at least WalCheckpointBytes): its cost stays small against the writes it retires, and replay after a
        // crash reads at most that much. It runs in a loop of its own: a checkpoint can take seconds when the disk is
        // busy, and the flush above must keep its interval meanwhile (a default push is promised to reach the disk
        // within it).
        _loops.Add(RunEvery(_options.WalFlushInterval, () =>
        {
            var threshold = Math.Max(_options.WalCheckpointBytes, Math.Min(_records.LogBytes, _options.MemoryBudgetBytes));
            return _wal.Bytes > threshold && _checkpointGate.CurrentCount > 0 ? CheckpointAsync(_stopping.Token) : Task.CompletedTask;
        }));
        _loops.Add(RunEvery(_options.CheckpointInterval, () => CheckpointAsync(_stopping.Token)));
    }

    /// <summary>
    /// The periodic flush of the write-ahead log, on a thread of its own rather than a timer of the thread pool: under
    /// load (gRPC calls, a compaction, FASTER's checkpoint and completions all on the pool) a pool timer's tick waited for
    /// a worker, and the flush due every 100 ms ran up to a second apart, so default pushes and new tokens acknowledged
    /// over a second before a kill were lost (the kill loop; <c>FlushWindowTests</c>). The thread only starts commits
    /// (<see cref="WriteAheadLog.FlushRound"/> never waits for the disk), so it keeps its interval whatever the disk does;
    /// it reports how long each round's entries took to be committed (<see cref="StoreMetrics.WalFlushLag"/>), and warns
    /// when they wait longer than <see cref="FlushLagWarning"/>: the disk, not the flush, is then what a crash waits on.
    /// </summary>
    private Task FlushOnOwnThread(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero) return Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopping = _stopping.Token.WaitHandle;
        new Thread(() =>
        {
            try
            {
                var warning = FlushLagWarning(interval);
                var behind = TimeSpan.Zero; // the longest wait of the current episode of late flushes, once warned
                var next = System.Diagnostics.Stopwatch.GetTimestamp();
                var step = (long)(interval.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
                while (true)
                {
                    // Ticks at a fixed rate; a round that comes late (the thread was descheduled) does not bring a burst of catch-up rounds.
                    var now = System.Diagnostics.Stopwatch.GetTimestamp();
                    next = Math.Max(next + step, now);
                    if (stopping.WaitOne(System.Diagnostics.Stopwatch.GetElapsedTime(now, next))) return;
                    try
                    {
                        var (committed, oldest) = _wal.FlushRound();
                        foreach (var lag in committed) StoreMetrics.WalFlushLag.Record(lag.TotalSeconds);
                        if (oldest > warning && behind == TimeSpan.Zero)
                        {
                            behind = oldest;
                            _logger.LogWarning(
                                "The write-ahead log's flush is behind: entries appended {Ms} ms ago are not on disk yet (flush interval {Interval} ms); a crash now loses them",
                                (long)oldest.TotalMilliseconds, (long)interval.TotalMilliseconds);
                        }
                        if (behind > TimeSpan.Zero)
                        {
                            behind = committed.Aggregate(Max(behind, oldest), Max);
                            if (oldest <= warning)
                            {
                                _logger.LogInformation("The write-ahead log's flush caught up; entries waited up to {Ms} ms for the disk", (long)behind.TotalMilliseconds);
                                behind = TimeSpan.Zero;
                            }
                        }
                    }
                    catch (Exception e) { _logger.LogError(e, "The write-ahead log's periodic flush failed"); }
                }
            }
            finally { done.SetResult(); }
        })
        { IsBackground = true, Name = "wal-flush" }.Start();
        return done.Task;

        static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    }

    /// <summary>A flush round whose entries are not committed after this long is reported: four intervals, at least 500 ms.</summary>
    internal static TimeSpan FlushLagWarning(TimeSpan interval) => TimeSpan.FromTicks(Math.Max(4 * interval.Ticks, TimeSpan.FromMilliseconds(500).Ticks));

    private async Task RunEvery(TimeSpan interval, Func<Task> action)
    {
        if (interval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try { await action(); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "Background store task failed");
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public Task<CheckpointResult> CheckpointAsync(CancellationToken cancellationToken) => CheckpointAsync(compact: false, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Either way the checkpoint then frees the log file's segments before the log's begin.</remarks>
    public Task<CheckpointResult> CheckpointAsync(bool compact, CancellationToken cancellationToken) =>
        CheckpointAsync(compact ? Compaction.Now : Compaction.IfDue, cancellationToken);

    private enum Compaction { IfDue, Now, Never }

    private async Task<CheckpointResult> CheckpointAsync(Compaction compaction, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        _disk.EnsureRoomForCheckpoint();
        await _checkpointGate.WaitAsync(cancellationToken);
        try
        {
            if (CheckpointStartingForTests is { } starting) await starting();
            if (!_options.InMemory && (compaction == Compaction.Now || (compaction == Compaction.IfDue && _records.CompactionDue)))
                await CompactLockedAsync(cancellationToken);
            // Every log entry before this address belongs to a write applied before the checkpoint starts.
            var covered = _wal.TailAddress;
            lock (_catalogLock)
            {
                _catalog.SupersededBytes = _records.SupersededBytes;
                SaveCatalogLocked();
            }
            CrashPoints.Reach(CrashPoint.CheckpointCatalogSaved);
            var token = _options.InMemory ? "in-memory" : await _records.CheckpointAsync(cancellationToken);
            CrashPoints.Reach(CrashPoint.CheckpointWritten);
            _wal.TruncateUntil(covered);
            await _wal.CommitAsync(cancellationToken);
            CrashPoints.Reach(CrashPoint.CheckpointLogTruncated);
            _logger.LogInformation("Checkpoint {Token} took {Ms} ms", token, started.ElapsedMilliseconds);
            StoreMetrics.CheckpointDuration.Record(started.Elapsed.TotalSeconds);
            return new CheckpointResult(token, started.Elapsed);
        }
        finally { _checkpointGate.Release(); }
    }

    /// <summary>
    /// Compacts the log (under the checkpoint gate: the checkpoint that follows records the new begin and frees the
    /// files). Deleted tables' and views' records are dropped; a snapshot's space, retired while it is being filled,
    /// is kept.
    /// </summary>
    private async Task CompactLockedAsync(CancellationToken cancellationToken)
    {
        HashSet<int> dropped;
        lock (_catalogLock) dropped = [.. _catalog.Retired.Except(_spacesBeingFilled)];
        var started = System.Diagnostics.Stopwatch.StartNew();
        _logger.LogInformation("Compacting the log ({MiB} MiB)", _records.LogBytes >> 20);
        var result = await Task.Run(() => _records.Compact(dropped.Contains, cancellationToken), cancellationToken);
        _logger.LogInformation(
            "Compacted the log in {Ms} ms: {Before} MiB -> {After} MiB, {Copied} live records ({CopiedMiB} MiB) copied, {Dropped} records of deleted tables and views dropped",
            started.ElapsedMilliseconds, result.BytesBefore >> 20, result.BytesAfter >> 20, result.RecordsCopied, result.BytesCopied >> 20, result.RecordsDropped);
        StoreMetrics.CompactionDuration.Record(started.Elapsed.TotalSeconds);
    }

    /// <summary>Tests hold a checkpoint here (after it has the checkpoint gate) to see what the store does meanwhile.</summary>
    internal Func<Task>? CheckpointStartingForTests { get; set; }

    /// <summary>Where the next write-ahead log entry goes, and how far the log is committed to disk (tests).</summary>
    internal (long Tail, long Committed) WalAddressesForTests => (_wal.TailAddress, _wal.CommittedUntilAddress);

    /// <summary>How many rounds the periodic flush of the write-ahead log has run (tests).</summary>
    internal long WalFlushRoundsForTests => _wal.FlushRounds;

    /// <summary>
    /// The next store-wide version. Versions only grow, also across crashes: a version is handed out only once a durable
    /// lease covers it (a lease entry in the write-ahead log, and the catalog's copy of the lease), and recovery starts
    /// past the highest lease. A record a checkpoint captured can carry a version whose log entry a crash lost; without
    /// the lease a later write could take that version again and be skipped by the next replay as already applied.
    /// </summary>
    private long NextVersion()
    {
        var version = Interlocked.Increment(ref _version);
        if (version > Volatile.Read(ref _versionLease) - VersionLeaseStep / 2) RenewLease(version);
        return version;
    }

    /// <summary>How far a lease reaches past the version that asked for it.</summary>
    internal const long VersionLeaseStep = 1L << 20;

    /// <summary>
    /// Halfway through a lease, extends it in the background; a version past it (a burst faster than a log commit)
    /// waits here until the extension is on disk.
    /// </summary>
    private void RenewLease(long version)
    {
        if (version <= Volatile.Read(ref _versionLease))
        {
            if (Interlocked.CompareExchange(ref _leaseRenewing, 1, 0) != 0) return;
            _ = Task.Run(() =>
            {
                try { ExtendLease(version + VersionLeaseStep); }
                catch (Exception e) { _logger.LogError(e, "Extending the version lease failed"); }
                finally { Volatile.Write(ref _leaseRenewing, 0); }
            });
            return;
        }
        ExtendLease(version + VersionLeaseStep);
    }

    private void ExtendLease(long lease)
    {
        lock (_leaseLock)
        {
            if (lease <= Volatile.Read(ref _versionLease)) return;
            _wal.AppendLease(lease);
            _wal.CommitAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            Volatile.Write(ref _versionLease, lease);
        }
    }

    /// <summary>Writes a slot of the recent pushes' request ids, with a version of its own, through the write-ahead log.</summary>
    internal void WriteRecentPush(byte[] key, byte[] value)
    {
        RowRecord.SetVersion(value, NextVersion());
        _rowWrites.Set(key, value);
    }

    /// <summary>Writes the catalog record (and logs it); callers hold the catalog lock.</summary>
    private void SaveCatalogLocked()
    {
        var version = NextVersion();
        _catalog.VersionLease = _options.InMemory ? 0 : Volatile.Read(ref _versionLease);
        _rowWrites.Set(Keys.CatalogKey, _catalog.Serialize(version));
    }

    /// <summary>Catalog changes are rare and must survive a crash: wait for the log to reach disk.</summary>
    private void CommitCatalog() => _wal.CommitAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private ViewChain Chain(string view)
    {
        if (_chains.TryGetValue(view, out var chain)) return chain;
        lock (_catalogLock)
        {
            if (!_catalog.Views.TryGetValue(view, out var entry))
                throw new StoreException(StoreError.NotFound, $"view '{view}' does not exist");
            return _chains.GetOrAdd(view, _ => ViewChain.Build(_catalog, entry));
        }
    }

    public int DimOf(string view) => Chain(view).Dim;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        await Task.WhenAll(_loops);
        // No compaction on the way out: it can take minutes. The count that calls for it is saved with this checkpoint,
        // so the next start's checkpoints run it.
        try { await CheckpointAsync(Compaction.Never, CancellationToken.None); }
        catch (Exception e) { _logger.LogError(e, "Final checkpoint failed; the write-ahead log still holds every acknowledged write"); }
        // After a failed device write the last flush fails too; it holds no acknowledged write (a durable push is
        // acknowledged only when no write failed, and a failure refuses every write after it).
        try { await _wal.DisposeAsync(); }
        catch (Exception e) when (_disk.Faults > 0) { _logger.LogError(e, "The write-ahead log's last flush failed: {Reason}", _disk.WriteRefusal); }
        await _records.DisposeAsync();
        _neighbourCaches.Clear();
        _stopping.Dispose();
        _checkpointGate.Dispose();
    }
}
