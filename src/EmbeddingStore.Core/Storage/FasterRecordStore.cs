using System.Diagnostics;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace EmbeddingStore.Core.Storage;

using Session = ClientSession<SpanByte, SpanByte, FasterInput, FasterOutput, Empty, FasterFunctions>;

/// <summary>
/// <see cref="IRecordStore"/> over one FasterKV with SpanByte keys and values. FASTER sessions are not
/// thread-safe, so each thread gets its own (every call here is synchronous and finishes on the thread
/// that started it). Log memory and page size are always set: FASTER's defaults would take 16 GB.
/// </summary>
internal sealed class FasterRecordStore : IRecordStore
{
    private readonly FasterKV<SpanByte, SpanByte> _kv;
    private readonly IDevice _device;
    private readonly FasterFunctions _functions = new();
    private readonly ThreadLocal<Session> _sessions;
    private readonly ILogger _logger;

    /// <summary>Without a disk, pages pushed out of memory would be lost: writes stop short of that instead.</summary>
    private readonly long _inMemoryLimit;

    private bool OnDisk => _inMemoryLimit == long.MaxValue;

    /// <summary>
    /// While a checkpoint runs, the log's head address (where its in-memory part starts) when the checkpoint began;
    /// otherwise <see cref="NoCheckpoint"/>. Once FASTER 2.6.5 has written a page of a snapshot checkpoint, it walks
    /// that page's records in memory; if the log has evicted the page meanwhile, the walk reads freed memory and
    /// the process dies (an AccessViolationException in <c>AllocatorBase.AsyncFlushPageToDeviceCallback</c>, seen
    /// when pushes outgrew the log's memory during a checkpoint). So while a checkpoint runs, a write that could
    /// move the head address past this point waits for the checkpoint to end (<see cref="WaitForMemoryDuringCheckpoint"/>).
    /// </summary>
    private long _checkpointHead = NoCheckpoint;
    private const long NoCheckpoint = long.MaxValue;
    private readonly object _checkpointEnded = new();
    private long _writesHeldByCheckpoint;
    /// <summary>When the first write held by the running checkpoint began to wait (0: none); it waits the longest.</summary>
    private long _firstHeldAt;

    /// <summary>Room left below the head-moving point for writes already past the check (each record fits a page).</summary>
    private readonly long _headMargin;
    private readonly long _pageBytes;

    /// <summary>
    /// How far the tail may run ahead of the head before the log evicts a page: its whole circular buffer of pages, less
    /// those it keeps empty. (Not <c>Log.MemorySizeBytes</c>: that counts only the pages allocated so far, so while the
    /// log is still growing into its memory it is far less, and writes would wait for nothing.)
    /// </summary>
    private long BufferBytes => (_kv.Log.BufferSize - _kv.Log.EmptyPageCount) * _pageBytes;

    private FasterRecordStore(FasterKV<SpanByte, SpanByte> kv, IDevice device, ILogger logger, long inMemoryLimit, long pageBytes)
    {
        _inMemoryLimit = inMemoryLimit;
        _kv = kv;
        _device = device;
        _logger = logger;
        _sessions = new ThreadLocal<Session>(NewSession, trackAllValues: true);
        _pageBytes = pageBytes;
        _headMargin = 4 * pageBytes;
    }

    /// <summary>Opens the store and recovers the latest checkpoint if the data folder has one.</summary>
    public static async Task<FasterRecordStore> OpenAsync(StoreOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var memoryBits = Math.Max(options.PageSizeBits + 2, (int)Math.Floor(Math.Log2(Math.Max(1, options.MemoryBudgetBytes))));
        var checkpointDir = Path.Combine(options.DataDir, "checkpoints");
        IDevice device = options.InMemory
            ? new NullDevice()
            : Devices.CreateLogDevice(Path.Combine(options.DataDir, "log", "hlog.log"), recoverDevice: true);
        var logSettings = new LogSettings
        {
            LogDevice = device,
            PageSizeBits = options.PageSizeBits,
            MemorySizeBits = memoryBits,
            SegmentSizeBits = 30,
        };
        var checkpointSettings = new CheckpointSettings { CheckpointDir = checkpointDir, RemoveOutdated = true };
        var buckets = Math.Max(1 << 10, options.IndexBuckets);
        var kv = new FasterKV<SpanByte, SpanByte>(buckets, logSettings, checkpointSettings,
            concurrencyControlMode: ConcurrencyControlMode.LockTable);
        var store = new FasterRecordStore(kv, device, logger, options.InMemory ? (1L << memoryBits) * 3 / 4 : long.MaxValue, 1L << options.PageSizeBits);
        if (!options.InMemory && HasCheckpoint(checkpointDir))
        {
            // FASTER would silently start empty if it found nothing; a folder with checkpoints that fail to load is an error.
            await kv.RecoverAsync(cancellationToken: cancellationToken);
            logger.LogInformation("Recovered checkpoint from {Dir}", checkpointDir);
        }
        return store;
    }

    private static bool HasCheckpoint(string dir) =>
        Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Any();

    public long LogBytes => _kv.Log.TailAddress - _kv.Log.BeginAddress;

    public unsafe int Read(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        var session = _sessions.Value!;
        fixed (byte* k = key)
        fixed (byte* d = destination)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            var input = default(FasterInput);
            var output = new FasterOutput { Destination = d, Capacity = destination.Length };
            var status = session.Read(ref keySpan, ref input, ref output);
            if (status.IsPending) (status, output) = CompletePending(session);
            return status.Found ? output.Length : -1;
        }
    }

    /// <summary>
    /// Returns at once unless a checkpoint runs and the log's tail is within reach of evicting a page the checkpoint
    /// may still be writing (see <see cref="_checkpointHead"/>); then waits for the checkpoint to end. Any write may
    /// append a record (an update of a record the checkpoint covers is copied to the tail), so every write checks.
    /// </summary>
    private void WaitForMemoryDuringCheckpoint()
    {
        if (!TailNearsCheckpointHead()) return;
        var started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _writesHeldByCheckpoint);
        Interlocked.CompareExchange(ref _firstHeldAt, started, 0);
        lock (_checkpointEnded)
        {
            while (TailNearsCheckpointHead()) Monitor.Wait(_checkpointEnded);
        }
        StoreMetrics.CheckpointHeldWrite.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private void BeginCheckpointWindow()
    {
        // A write that saw the last window close as it began to wait may have left its count behind: start afresh.
        Interlocked.Exchange(ref _writesHeldByCheckpoint, 0);
        Interlocked.Exchange(ref _firstHeldAt, 0);
        Volatile.Write(ref _checkpointHead, _kv.Log.HeadAddress);
    }

    private void EndCheckpointWindow()
    {
        lock (_checkpointEnded)
        {
            Volatile.Write(ref _checkpointHead, NoCheckpoint);
            Monitor.PulseAll(_checkpointEnded);
        }
    }

    /// <summary>Tests: writes behave as while a checkpoint runs, until the result is disposed.</summary>
    internal IDisposable CheckpointWindowForTests()
    {
        BeginCheckpointWindow();
        return new WindowEnd(this);
    }

    private sealed class WindowEnd(FasterRecordStore store) : IDisposable
    {
        public void Dispose() => store.EndCheckpointWindow();
    }

    /// <summary>Tests: the log's tail and the address past which a write during a checkpoint waits.</summary>
    internal (long Tail, long WaitsFrom) CheckpointWindowForTestsAddresses =>
        (_kv.Log.TailAddress, Volatile.Read(ref _checkpointHead) + BufferBytes - _headMargin);

    private bool TailNearsCheckpointHead()
    {
        var head = Volatile.Read(ref _checkpointHead);
        return head != NoCheckpoint && _kv.Log.TailAddress + _headMargin >= head + BufferBytes;
    }

    private void EnsureRoom()
    {
        if (LogBytes > _inMemoryLimit)
            throw new StoreException(StoreError.ResourceExhausted,
                $"the in-memory store is full ({LogBytes >> 20} MiB of log): start it with a larger --memory-mb, or on disk");
    }

    public unsafe void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        EnsureRoom();
        WaitForMemoryDuringCheckpoint();
        var session = _sessions.Value!;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            var valueSpan = SpanByte.FromPointer(v, value.Length);
            var status = session.Upsert(ref keySpan, ref valueSpan);
            if (status.IsPending) CompletePending(session);
        }
    }

    public unsafe UpdateOutcome Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> initial, IRecordUpdater? updater, Span<byte> afterImage)
    {
        if (!initial.IsEmpty) EnsureRoom();
        WaitForMemoryDuringCheckpoint();
        var session = _sessions.Value!;
        fixed (byte* k = key)
        fixed (byte* i = initial)
        fixed (byte* d = afterImage)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            var input = new FasterInput { Initial = i, InitialLength = initial.Length, Updater = updater };
            var output = new FasterOutput { Destination = d, Capacity = afterImage.Length };
            var status = session.RMW(ref keySpan, ref input, ref output);
            if (status.IsPending) (status, output) = CompletePending(session);
            if (status.NotFound && !output.Created) return UpdateOutcome.NotFound;
            return output.Created ? UpdateOutcome.Created : UpdateOutcome.Updated;
        }
    }

    public void FlushWrittenRecords()
    {
        if (OnDisk) _kv.Log.Flush(wait: true);
    }

    public unsafe bool Delete(ReadOnlySpan<byte> key)
    {
        WaitForMemoryDuringCheckpoint();
        var session = _sessions.Value!;
        fixed (byte* k = key)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            var status = session.Delete(ref keySpan);
            if (status.IsPending) CompletePending(session);
            return true;
        }
    }

    /// <summary>
    /// Every this many checkpoints (and the first of a process) is a full one: the hash index as well as the log.
    /// The others snapshot the log alone; recovery reads the last index checkpoint and the last log snapshot, and
    /// re-indexes the records written between the two.
    /// </summary>
    public const int FullCheckpointEvery = 8;

    private int _checkpointsTaken;

    public async Task<string> CheckpointAsync(CancellationToken cancellationToken)
    {
        // Snapshot checkpoints leave the log mutable, so training keeps updating rows in place afterwards.
        // Writing the 64 MB hash index every time cost more than the writes being retired, hence log-only snapshots
        // between full ones. Not FASTER's incremental snapshots (only the records changed since the last one): in
        // FASTER 2.6.5 their delta flush read log pages that were being evicted and crashed the process with an
        // access violation when pushes outgrew the log's memory during a checkpoint (CheckpointUnderLoadTests).
        var full = _checkpointsTaken % FullCheckpointEvery == 0;
        BeginCheckpointWindow();
        bool ok;
        Guid token;
        try
        {
            (ok, token) = full
                ? await _kv.TakeFullCheckpointAsync(CheckpointType.Snapshot, cancellationToken)
                : await _kv.TakeHybridLogCheckpointAsync(CheckpointType.Snapshot, tryIncremental: false, cancellationToken);
        }
        finally { EndCheckpointWindow(); }
        var firstHeldAt = Interlocked.Exchange(ref _firstHeldAt, 0);
        if (!ok) throw new InvalidOperationException("FASTER refused the checkpoint: another one is in progress");
        _checkpointsTaken++;
        var held = Interlocked.Exchange(ref _writesHeldByCheckpoint, 0);
        var longest = firstHeldAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(firstHeldAt);
        if (held > 0)
            _logger.LogInformation("{Writes} writes waited up to {Ms} ms for the checkpoint to end: the log's memory was full (a larger --memory-mb avoids it)",
                held, (long)longest.TotalMilliseconds);
        return token.ToString();
    }

    private static (Status, FasterOutput) CompletePending(Session session)
    {
        session.CompletePendingWithOutputs(out var outputs, wait: true);
        using (outputs)
        {
            var status = default(Status);
            var output = default(FasterOutput);
            while (outputs.Next())
            {
                status = outputs.Current.Status;
                output = outputs.Current.Output;
            }
            return (status, output);
        }
    }

    private Session NewSession() =>
        _kv.For(_functions).NewSession<FasterFunctions>(sessionVariableLengthStructSettings:
            new SessionVariableLengthStructSettings<SpanByte, FasterInput> { valueLength = new FasterValueLength() });


    public ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values) session.Dispose();
        _sessions.Dispose();
        _kv.Dispose();
        _device.Dispose();
        return ValueTask.CompletedTask;
    }
}
