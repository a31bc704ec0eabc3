using System.Buffers.Binary;
using System.Diagnostics;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace EmbeddingStore.Core.Storage;

/// <summary>
/// After-images of every acknowledged write since the last checkpoint, in a FasterLog.
/// Entries carry the value as written (not the operation), and every value starts with its
/// store-wide version, so replay is idempotent: the newer version wins, whatever the order.
/// Entries: a set, [1][keyLength:4][key][value]; a deletion, [2][keyLength:4][key][version:8]; two sets as one (a token
/// and its row), [3][keyLength:4][key][valueLength:4][value][keyLength:4][key][value]; a version lease, [4][version:8]:
/// no version above it was handed out before a later lease entry (or the catalog's lease) raised it.
/// Every write logs its entry under its key's write lock (<see cref="IWriteLog"/>), so per key the log's order is
/// the order of the writes.
/// </summary>
internal sealed class WriteAheadLog : IWriteLog, IAsyncDisposable
{
    private const byte SetEntry = 1;
    private const byte DeleteEntry = 2;
    private const byte SetTogetherEntry = 3;
    private const byte LeaseEntry = 4;

    private readonly FasterLog? _log;
    private readonly IDevice? _device;

    /// <summary>
    /// Appended bytes not yet on disk beyond which a writer waits for a flush before it appends more; half the
    /// log's memory, so that the writers already appending still find room.
    /// </summary>
    private readonly long _unflushedLimit;

    private readonly ILogCommitManager? _commits;

    private WriteAheadLog(FasterLog? log, IDevice? device, ILogCommitManager? commits, long memoryBytes)
    {
        _log = log;
        _device = device;
        _commits = commits;
        _unflushedLimit = memoryBytes / 2;
    }

    /// <summary>
    /// The log's memory: an eighth of the store's memory budget, from 32 to 128 MiB (a power of two). While a
    /// checkpoint holds the disk, this is what absorbs the pushes' after-images: 16 clients pushing 300-d
    /// Adadelta rows write about 200 MB/s of them.
    /// </summary>
    internal static long MemoryBytesFor(long memoryBudgetBytes) =>
        1L << Math.Clamp((int)Math.Floor(Math.Log2(Math.Max(1, memoryBudgetBytes / 8))), 25, 27);

    public static WriteAheadLog Open(StoreOptions options, DiskSpace disk, ILogger logger)
    {
        if (options.InMemory) return new WriteAheadLog(null, null, null, 0);
        var memoryBytes = MemoryBytesFor(options.MemoryBudgetBytes);
        var dir = Path.Combine(options.DataDir, "wal");
        // Urgent: the log's writes and commit records go before a checkpoint's page writes (DeviceIoThreads).
        var device = DirectFileDevice.Create(Path.Combine(dir, "wal.log"), recover: true, disk, urgent: true);
        // The commit records (where the log is committed to) in the same files FASTER's default would use, written
        // through DirectFileDevice: each commit is a new file, and its name must be durable before the commit counts
        // (FASTER's own device writes it through, but never syncs the folder: a power cut could lose the newest commit).
        var commits = new DeviceLogCommitCheckpointManager(new DirectDeviceFactory(disk, urgent: true), new DefaultCheckpointNamingScheme(dir), removeOutdated: true);
        var log = new FasterLog(new FasterLogSettings
        {
            LogDevice = device,
            LogCommitManager = commits,
            PageSize = 1L << 22,
            MemorySize = memoryBytes,
            SegmentSize = 1L << 28,
            TryRecoverLatest = true,
        }, logger);
        return new WriteAheadLog(log, device, commits, memoryBytes);
    }

    /// <summary>Where the next entry will go; entries before it are covered by a checkpoint taken after this call.</summary>
    public long TailAddress => _log?.TailAddress ?? 0;

    /// <summary>Entries before this address are on disk and survive a crash.</summary>
    public long CommittedUntilAddress => _log?.CommittedUntilAddress ?? 0;

    public long Bytes => _log is null ? 0 : _log.TailAddress - _log.BeginAddress;

    public void AppendSet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Append(SetEntry, key, value);

    public void AppendDelete(ReadOnlySpan<byte> key, long version)
    {
        Span<byte> v = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(v, version);
        Append(DeleteEntry, key, v);
    }

    void IWriteLog.Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => AppendSet(key, value);

    void IWriteLog.Delete(ReadOnlySpan<byte> key, long version) => AppendDelete(key, version);

    void IWriteLog.SetTogether(ReadOnlySpan<byte> key1, ReadOnlySpan<byte> value1, ReadOnlySpan<byte> key2, ReadOnlySpan<byte> value2)
    {
        if (_log is null) return;
        var length = 1 + 4 + key1.Length + 4 + value1.Length + 4 + key2.Length + value2.Length;
        var buffer = length <= 4096 ? stackalloc byte[length] : new byte[length];
        buffer[0] = SetTogetherEntry;
        var at = WritePart(buffer, 1, key1);
        at = WritePart(buffer, at, value1);
        at = WritePart(buffer, at, key2);
        value2.CopyTo(buffer[at..]);
        _log.Enqueue(buffer);
    }

    /// <summary>Writes <paramref name="part"/> with its length before it at <paramref name="offset"/>; returns where the next part goes.</summary>
    private static int WritePart(Span<byte> buffer, int offset, ReadOnlySpan<byte> part)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer[offset..], part.Length);
        part.CopyTo(buffer[(offset + 4)..]);
        return offset + 4 + part.Length;
    }

    /// <summary>Records that versions up to <paramref name="version"/> may be handed out (see <see cref="Replay"/>).</summary>
    public void AppendLease(long version)
    {
        if (_log is null) return;
        Span<byte> buffer = stackalloc byte[9];
        buffer[0] = LeaseEntry;
        BinaryPrimitives.WriteInt64LittleEndian(buffer[1..], version);
        _log.Enqueue(buffer);
    }

    private void Append(byte kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_log is null) return;
        var length = EntryBytes(key.Length, value.Length);
        var buffer = length <= 4096 ? stackalloc byte[length] : new byte[length];
        buffer[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(buffer[1..], key.Length);
        key.CopyTo(buffer[5..]);
        value.CopyTo(buffer[(5 + key.Length)..]);
        _log.Enqueue(buffer);
    }

    /// <summary>The bytes one entry takes: its kind, key length, key and value.</summary>
    public static int EntryBytes(int keyLength, int valueLength) => 1 + 4 + keyLength + valueLength;

    /// <summary>
    /// Waits, without holding a thread, until about <paramref name="bytes"/> more fit in the log's memory.
    /// FasterLog's own append spins (yielding the thread) while its memory is full, which happens when a
    /// checkpoint holds the disk: 16 pushers then burnt the CPU the checkpoint needed (a third of the server's
    /// samples in <c>sched_yield</c>). A writer that would go past the limit flushes and awaits the flush first.
    /// </summary>
    public ValueTask WaitForRoomAsync(long bytes, CancellationToken cancellationToken)
    {
        if (_log is null || _log.TailAddress - _log.FlushedUntilAddress + bytes <= _unflushedLimit) return ValueTask.CompletedTask;
        return _log.CommitAsync(cancellationToken);
    }

    /// <summary>Flushes what has been appended; returns once it is on disk.</summary>
    public ValueTask CommitAsync(CancellationToken cancellationToken) =>
        _log is null ? ValueTask.CompletedTask : _log.CommitAsync(cancellationToken);

    /// <summary>
    /// The tails that earlier flush rounds started to commit and that were not yet found committed, oldest first, with
    /// when each round ran. Only <see cref="FlushRound"/> touches it (one thread).
    /// </summary>
    private readonly Queue<(long Tail, long At)> _rounds = new();
    private long _lastRoundTail;
    private long _flushRounds;

    /// <summary>How many flush rounds have run (tests).</summary>
    public long FlushRounds => Interlocked.Read(ref _flushRounds);

    /// <summary>
    /// One round of the periodic flush: notes which earlier rounds' entries have reached the disk since (their lag: from
    /// the round that started their commit to this one, so one flush interval when the disk keeps up), then starts a
    /// commit of everything appended so far. Returns the lags found and how long the oldest round still waiting has
    /// waited (zero when none waits).
    /// </summary>
    public (List<TimeSpan> Committed, TimeSpan OldestWaiting) FlushRound()
    {
        var lags = new List<TimeSpan>();
        Interlocked.Increment(ref _flushRounds);
        if (_log is null) return (lags, TimeSpan.Zero);
        var now = Stopwatch.GetTimestamp();
        var committed = _log.CommittedUntilAddress;
        while (_rounds.TryPeek(out var round) && round.Tail <= committed)
        {
            _rounds.Dequeue();
            lags.Add(Stopwatch.GetElapsedTime(round.At, now));
        }
        var tail = _log.TailAddress;
        if (tail > committed && tail > _lastRoundTail)
        {
            _rounds.Enqueue((tail, now));
            _lastRoundTail = tail;
        }
        _log.Commit(spinWait: false);
        return (lags, _rounds.TryPeek(out var oldest) ? Stopwatch.GetElapsedTime(oldest.At, now) : TimeSpan.Zero);
    }

    /// <summary>Drops entries before <paramref name="address"/>, once a checkpoint covers them.</summary>
    public void TruncateUntil(long address) => _log?.TruncateUntil(address);

    public delegate void ReplaySet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);
    public delegate void ReplayDelete(ReadOnlySpan<byte> key, long version);

    /// <summary>
    /// Calls back for every committed entry, oldest first (both sets of a two-set entry, one after the other), and
    /// returns the highest version lease found (0 if none).
    /// </summary>
    public long Replay(ReplaySet onSet, ReplayDelete onDelete)
    {
        if (_log is null) return 0;
        long lease = 0;
        using var iterator = _log.Scan(_log.BeginAddress, _log.CommittedUntilAddress);
        while (iterator.GetNext(out byte[] entry, out var length, out _))
        {
            var span = entry.AsSpan(0, length);
            if (span[0] == LeaseEntry)
            {
                lease = Math.Max(lease, BinaryPrimitives.ReadInt64LittleEndian(span[1..]));
                continue;
            }
            var key = Part(span, 1, out var at);
            if (span[0] == SetTogetherEntry)
            {
                var value = Part(span, at, out at);
                var key2 = Part(span, at, out at);
                onSet(key, value);
                onSet(key2, span[at..]);
            }
            else if (span[0] == SetEntry) onSet(key, span[at..]);
            else onDelete(key, BinaryPrimitives.ReadInt64LittleEndian(span[at..]));
        }
        return lease;
    }

    /// <summary>The length-prefixed part at <paramref name="offset"/>; <paramref name="next"/> is where the following one starts.</summary>
    private static ReadOnlySpan<byte> Part(ReadOnlySpan<byte> entry, int offset, out int next)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(entry[offset..]);
        next = offset + 4 + length;
        return entry.Slice(offset + 4, length);
    }

    public async ValueTask DisposeAsync()
    {
        if (_log is null) return;
        try { await _log.CommitAsync(); }
        finally
        {
            _log.Dispose();
            _commits?.Dispose();
            _device?.Dispose();
        }
    }
}
