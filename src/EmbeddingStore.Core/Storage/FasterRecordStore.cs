using System.Numerics;
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
    private readonly CheckpointFiles _checkpoints;
    private readonly FasterFunctions _functions = new();
    private readonly ThreadLocal<Session> _sessions;
    private readonly ILogger _logger;

    /// <summary>Without a disk, pages pushed out of memory would be lost: writes stop short of that instead.</summary>
    private readonly long _inMemoryLimit;

    private bool OnDisk => _inMemoryLimit == long.MaxValue;

    /// <summary>
    /// Writers of one hash bucket take turns. FASTER 2.6.5 reads a key's hash entry before it takes the bucket's lock,
    /// so of two writers racing on one bucket the second appends a record that then fails to enter the hash chain.
    /// FASTER keeps that record for a retry by writing the record's size over its key's length; when the retry does not
    /// need it (it updates the first writer's record in place) the record stays in the log with that false length, and
    /// every walk of the log by record sizes (the snapshot checkpoint's flush, recovery) steps from it into the middle of
    /// other records and crashes the process with an access violation (docs/benchmarks.md, "The FASTER crash").
    /// A stripe per bucket, chosen by the low bits of FASTER's own key hash (the bits that choose the bucket), keeps
    /// the hash entry unchanged between FASTER's read of it and its insert.
    /// </summary>
    private readonly Lock[] _bucketStripes;

    private FasterRecordStore(FasterKV<SpanByte, SpanByte> kv, IDevice device, CheckpointFiles checkpoints, ILogger logger,
        long inMemoryLimit, long buckets, long segmentBytes)
    {
        _segmentBytes = segmentBytes;
        _checkpoints = checkpoints;
        _bucketStripes = new Lock[(int)Math.Min(MaxBucketStripes, buckets)];
        for (var i = 0; i < _bucketStripes.Length; i++) _bucketStripes[i] = new Lock();
        _inMemoryLimit = inMemoryLimit;
        _kv = kv;
        _device = device;
        _logger = logger;
        _sessions = new ThreadLocal<Session>(NewSession, trackAllValues: true);
    }

    /// <summary>Opens the store and recovers the latest checkpoint if the data folder has one.</summary>
    /// <remarks><paramref name="disk"/> hears of the devices' failed writes.</remarks>
    public static async Task<FasterRecordStore> OpenAsync(StoreOptions options, ILogger logger, CancellationToken cancellationToken,
        DiskSpace? disk = null)
    {
        var memoryBits = LogMemoryBits(options);
        var checkpointDir = Path.Combine(options.DataDir, "checkpoints");
        var segmentBits = options.InMemory ? options.LogSegmentBits : SegmentBitsOf(Path.Combine(options.DataDir, "log"), options.LogSegmentBits);
        IDevice device = options.InMemory
            ? new NullDevice()
            : DirectFileDevice.Create(Path.Combine(options.DataDir, "log", "hlog.log"), recover: true, disk);
        var logSettings = new LogSettings
        {
            LogDevice = device,
            PageSizeBits = options.PageSizeBits,
            MemorySizeBits = memoryBits,
            SegmentSizeBits = segmentBits,
        };
        var checkpoints = new CheckpointFiles(checkpointDir, disk ?? DiskSpace.For(options));
        var checkpointSettings = new CheckpointSettings { CheckpointManager = checkpoints.Manager };
        var buckets = IndexBuckets(options);
        if (!BitOperations.IsPow2(buckets))
            throw new ArgumentException($"the index bucket count must be a power of two, not {buckets}", nameof(options));
        var kv = new FasterKV<SpanByte, SpanByte>(buckets, logSettings, checkpointSettings,
            concurrencyControlMode: ConcurrencyControlMode.LockTable);
        var inMemoryLimit = options.InMemory ? (1L << memoryBits) * 3 / 4 : long.MaxValue;
        var store = new FasterRecordStore(kv, device, checkpoints, logger, inMemoryLimit, buckets, 1L << segmentBits);
        if (!options.InMemory && HasCheckpoint(checkpointDir))
        {
            // FASTER would silently start empty if it found nothing; a folder with checkpoints that fail to load is an error.
            await kv.RecoverAsync(cancellationToken: cancellationToken);
            logger.LogInformation("Recovered checkpoint from {Dir}", checkpointDir);
        }
        return store;
    }

    private static int LogMemoryBits(StoreOptions options) =>
        Math.Max(options.PageSizeBits + 2, (int)Math.Floor(Math.Log2(Math.Max(1, options.MemoryBudgetBytes))));

    /// <summary>The log's memory: the most a snapshot checkpoint copies.</summary>
    public static long LogMemoryBytes(StoreOptions options) => 1L << LogMemoryBits(options);

    private static long IndexBuckets(StoreOptions options) => Math.Max(1 << 10, options.IndexBuckets);

    /// <summary>The hash index (64-byte buckets), which a full checkpoint writes.</summary>
    public static long IndexBytes(StoreOptions options) => IndexBuckets(options) * 64;

    /// <summary>
    /// The log's segment size of the data folder: as recorded in it; 1 GiB for a folder written before it was recorded;
    /// <paramref name="wanted"/> for a new folder, which then records it.
    /// </summary>
    private static int SegmentBitsOf(string logDir, int wanted)
    {
        Directory.CreateDirectory(logDir);
        var file = Path.Combine(logDir, SegmentBitsFile);
        var text = File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        if (int.TryParse(text, out var recorded) && recorded is >= MinSegmentBits and <= MaxSegmentBits) return recorded;
        if (Directory.EnumerateFiles(logDir, "hlog.log.*").Any())
            return text is null
                ? LegacySegmentBits
                : throw new InvalidDataException($"{file}: '{text}' is not a log segment size (a power of two from {MinSegmentBits} to {MaxSegmentBits})");
        // No log file yet, so nothing depends on the size: record the wanted one (durably, before any segment exists).
        using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(wanted.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"));
            stream.Flush(flushToDisk: true);
        }
        if (OperatingSystem.IsLinux()) DirectFileDevice.SyncDirectory(logDir);
        return wanted;
    }

    private const int MinSegmentBits = 20, MaxSegmentBits = 40;
    private const string SegmentBitsFile = "segment-bits";
    private const int LegacySegmentBits = 30;

    private static bool HasCheckpoint(string dir) =>
        Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Any();

    private const int MaxBucketStripes = 4096;

    /// <summary>The stripe of the key's hash bucket (both counts are powers of two, the stripes no more than the buckets).</summary>
    private Lock StripeOf(ref SpanByte key) => _bucketStripes[StripeIndexOf(ref key)];

    private int StripeIndexOf(ref SpanByte key) =>
        (int)((ulong)SpanByteComparer.StaticGetHashCode64(ref key) & (ulong)(_bucketStripes.Length - 1));

    public long LogBytes => _kv.Log.TailAddress - _kv.Log.BeginAddress;

    /// <summary>The log file is made of segments this large; a compaction frees disk space a whole segment at a time.</summary>
    private readonly long _segmentBytes;

    public long SupersededBytes
    {
        get => _functions.SupersededBytes;
        set => _functions.SupersededBytes = value;
    }

    public bool CompactionDue
    {
        get
        {
            // A read-only part under two segments could free at most one; under heavy pushes the updates made while a
            // compaction runs would otherwise call for another one at once, for nothing.
            var readOnly = _kv.Log.SafeReadOnlyAddress - _kv.Log.BeginAddress;
            return OnDisk && readOnly >= 2 * _segmentBytes && _functions.SupersededBytes >= Math.Max(_segmentBytes, readOnly / 2);
        }
    }

    /// <summary>At most this many keys are noted by a compaction's first pass (about 40 MB); the others are read.</summary>
    private const int MaxKeysNotedPerCompaction = 1 << 20;

    public CompactionResult Compact(Func<int, bool> dropSpace, CancellationToken cancellationToken)
    {
        var begin = _kv.Log.BeginAddress;
        var until = _kv.Log.SafeReadOnlyAddress;
        if (!OnDisk || until <= begin) return new CompactionResult(LogBytes, LogBytes, 0, 0, 0);
        var before = LogBytes;
        _functions.SupersededBytes = 0;
        var session = _sessions.Value!;
        long scanned = 0, copied = 0, copiedBytes = 0, dropped = 0;
        var buffer = new byte[4096];
        // A first pass notes each key's newest record in the part, so records superseded within it need no read.
        var newest = new NewestInScan(MaxKeysNotedPerCompaction);
        using (var records = _kv.Log.Scan(begin, until))
        {
            while (records.GetNext(out _))
            {
                if ((++scanned & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                newest.Note(ref records.GetKey(), records.CurrentAddress);
            }
        }
        using (var records = _kv.Log.Scan(begin, until))
        {
            // Nothing below `until` changes in place any more: an update there appends a copy at the tail. So a record
            // is live exactly when the key's newest record is this one, and a copy of it is the same record further on.
            while (records.GetNext(out var info))
            {
                if ((++scanned & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (info.Tombstone) continue;
                ref var key = ref records.GetKey();
                if (Keys.SpaceOf(key.AsReadOnlySpan()) is var space and >= 0 && dropSpace(space))
                {
                    dropped++;
                    continue;
                }
                if (newest.HasNewer(ref key, records.CurrentAddress)) continue;
                ref var value = ref records.GetValue();
                lock (StripeOf(ref key))
                {
                    // Under the stripe no other write of this key runs, so the record stays the newest until it is copied.
                    if (!IsNewest(session, ref key, records.CurrentAddress, _kv.Log.HeadAddress, value.AsReadOnlySpan(), ref buffer)) continue;
                    var status = session.Upsert(ref key, ref value);
                    if (status.IsPending) CompletePending(session);
                }
                copied++;
                copiedBytes += records.NextAddress - records.CurrentAddress;
            }
            until = Math.Max(until, records.NextAddress);
        }
        // Reads below the new begin now find nothing: every live record there has its copy above it. The files keep the
        // old records until the next checkpoint has recorded the new begin (CheckpointAsync removes them then).
        CrashPoints.Reach(CrashPoint.CompactionCopied);
        _kv.Log.ShiftBeginAddress(until, truncateLog: false);
        CrashPoints.Reach(CrashPoint.CompactionShifted);
        _compactedSinceFullCheckpoint = true;
        return new CompactionResult(before, LogBytes, copied, copiedBytes, dropped);
    }

    /// <summary>
    /// Whether the record at <paramref name="address"/>, holding <paramref name="value"/>, is its key's newest, or
    /// as good as (its bytes are the newest's: a copy of it changes nothing). Asked of a read that stops above the
    /// record, which answers from memory alone in the common cases: the hash entry's newest record is no newer than
    /// it (nothing newer of the key can exist: a newer record would head the entry's chain), or a newer record of the
    /// key is in memory. When the chain goes on on disk, FASTER does not report which record the read found, so
    /// the value it found (the record itself, or a newer one) is compared; finding none there may also mean a newer
    /// deletion, so a full read settles that case.
    /// A record still in memory (at or above <paramref name="headAddress"/>, read before the record's address) is
    /// asked of a plain read instead: every newer record of its key is in memory too, so the read reports the newest
    /// one's address. FASTER 2.6.5 cannot stop a read above a record in memory: when the chain walk reaches the stop
    /// without a match (a newer record of another key heads the chain), it reads the record at the stop through a
    /// null physical address (a <see cref="NullReferenceException"/>).
    /// </summary>
    private static unsafe bool IsNewest(Session session, ref SpanByte key, long address, long headAddress, ReadOnlySpan<byte> value,
        ref byte[] buffer)
    {
        if (buffer.Length < value.Length) buffer = new byte[value.Length * 2];
        fixed (byte* d = buffer)
        {
            var input = default(FasterInput);
            var output = new FasterOutput { Destination = d, Capacity = buffer.Length };
            // The head address only grows: a record below it when it was read stays below it.
            var above = address < headAddress ? StopAbove(address) : default;
            var status = session.Read(ref key, ref input, ref output, ref above, out var metadata);
            if (!status.IsPending)
            {
                if (status.Found) return metadata.Address == address;
                return metadata.Address == 0; // else a deletion of the key newer than the record
            }
            (status, output) = CompletePending(session);
            var length = status.Found ? output.Length : ReadValue(session, ref key, buffer);
            return length == value.Length && buffer.AsSpan(0, length).SequenceEqual(value);
        }
    }

    /// <summary>Read options whose chain walk stops at records no newer than <paramref name="address"/> (FASTER 2.6.5 sets it internally only).</summary>
    private static ReadOptions StopAbove(long address)
    {
        object options = default(ReadOptions);
        StopAddressProperty.SetValue(options, address + 1);
        return (ReadOptions)options;
    }

    private static readonly System.Reflection.PropertyInfo StopAddressProperty =
        typeof(ReadOptions).GetProperty(nameof(ReadOptions.StopAddress))
        ?? throw new MissingMemberException(nameof(ReadOptions), nameof(ReadOptions.StopAddress));

    public unsafe int Read(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        fixed (byte* k = key)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            return ReadValue(_sessions.Value!, ref keySpan, destination);
        }
    }

    /// <summary>Copies the key's newest value into <paramref name="destination"/> (as much as fits); its stored length, or -1.</summary>
    private static unsafe int ReadValue(Session session, ref SpanByte key, Span<byte> destination)
    {
        fixed (byte* d = destination)
        {
            var input = default(FasterInput);
            var output = new FasterOutput { Destination = d, Capacity = destination.Length };
            var status = session.Read(ref key, ref input, ref output);
            if (status.IsPending) (status, output) = CompletePending(session);
            return status.Found ? output.Length : -1;
        }
    }

    private void EnsureRoom()
    {
        if (LogBytes > _inMemoryLimit)
            throw new StoreException(StoreError.ResourceExhausted,
                $"the in-memory store is full ({LogBytes >> 20} MiB of log): start it with a larger --memory-mb, or on disk");
    }

    public unsafe void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, IWriteLog? log = null)
    {
        EnsureRoom();
        var session = _sessions.Value!;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            var valueSpan = SpanByte.FromPointer(v, value.Length);
            lock (StripeOf(ref keySpan))
            {
                UpsertLocked(session, ref keySpan, ref valueSpan);
                log?.Set(key, value);
            }
        }
    }

    private static void UpsertLocked(Session session, ref SpanByte key, ref SpanByte value)
    {
        var status = session.Upsert(ref key, ref value);
        if (status.IsPending) CompletePending(session);
    }

    public unsafe UpdateOutcome Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> initial, IRecordUpdater? updater, Span<byte> afterImage,
        IWriteLog? log = null)
    {
        if (!initial.IsEmpty) EnsureRoom();
        var session = _sessions.Value!;
        fixed (byte* k = key)
        fixed (byte* i = initial)
        fixed (byte* d = afterImage)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            var input = new FasterInput { Initial = i, InitialLength = initial.Length, Updater = updater };
            var output = new FasterOutput { Destination = d, Capacity = afterImage.Length };
            Status status;
            lock (StripeOf(ref keySpan))
            {
                status = session.RMW(ref keySpan, ref input, ref output);
                if (status.IsPending) (status, output) = CompletePending(session);
                if (status.NotFound && !output.Created) return UpdateOutcome.NotFound;
                if (log is not null)
                {
                    if (output.Length > afterImage.Length)
                        throw new InvalidOperationException($"a value of {output.Length} bytes does not fit its {afterImage.Length}-byte after-image");
                    log.Set(key, afterImage[..output.Length]);
                }
            }
            return output.Created ? UpdateOutcome.Created : UpdateOutcome.Updated;
        }
    }

    public unsafe bool CreateTogether(ReadOnlySpan<byte> claimKey, Span<byte> claimValue, ReadOnlySpan<byte> otherKey, Span<byte> otherValue,
        Func<long> nextVersion, IWriteLog? log, Span<byte> existing)
    {
        EnsureRoom();
        var session = _sessions.Value!;
        fixed (byte* ck = claimKey)
        fixed (byte* cv = claimValue)
        fixed (byte* ok = otherKey)
        fixed (byte* ov = otherValue)
        {
            var claimKeySpan = SpanByte.FromPointer(ck, claimKey.Length);
            var claimValueSpan = SpanByte.FromPointer(cv, claimValue.Length);
            var otherKeySpan = SpanByte.FromPointer(ok, otherKey.Length);
            var otherValueSpan = SpanByte.FromPointer(ov, otherValue.Length);
            // Both keys' stripes, the lower first, so that two creations cannot wait for each other.
            var (first, second) = (StripeIndexOf(ref claimKeySpan), StripeIndexOf(ref otherKeySpan));
            if (first > second) (first, second) = (second, first);
            var (lower, higher) = (_bucketStripes[first], _bucketStripes[second]);
            lower.Enter();
            if (higher != lower) higher.Enter();
            try
            {
                if (ReadValue(session, ref claimKeySpan, existing) >= 0) return false;
                var version = nextVersion();
                RowRecord.SetVersion(claimValue, version);
                RowRecord.SetVersion(otherValue, version);
                // Written, then logged, while both keys' locks are held. Logged after the write, as every write is: an
                // entry before the point a checkpoint covers must be in that checkpoint (logged first, a checkpoint cut
                // between the entry and the write lost the token: crash-loop.sh). And logged before the locks are
                // released: a push to the new row takes the row's lock, so its entry, and the durable commit that
                // acknowledges it, come after this one.
                UpsertLocked(session, ref otherKeySpan, ref otherValueSpan);
                UpsertLocked(session, ref claimKeySpan, ref claimValueSpan);
                log?.SetTogether(otherKey, otherValue, claimKey, claimValue);
                return true;
            }
            finally
            {
                if (higher != lower) higher.Exit();
                lower.Exit();
            }
        }
    }

    public void FlushWrittenRecords()
    {
        if (OnDisk) _kv.Log.Flush(wait: true);
    }

    public unsafe long Delete(ReadOnlySpan<byte> key, Func<long>? nextVersion = null, IWriteLog? log = null)
    {
        var session = _sessions.Value!;
        fixed (byte* k = key)
        {
            var keySpan = SpanByte.FromPointer(k, key.Length);
            lock (StripeOf(ref keySpan))
            {
                var status = session.Delete(ref keySpan);
                if (status.IsPending) CompletePending(session);
                var version = nextVersion?.Invoke() ?? 0;
                log?.Delete(key, version);
                return version;
            }
        }
    }

    /// <summary>
    /// Every this many checkpoints (and the first of a process) is a full one: the hash index as well as the log.
    /// The others snapshot the log alone; recovery reads the last index checkpoint and the last log snapshot, and
    /// re-indexes the records written between the two.
    /// </summary>
    public const int FullCheckpointEvery = 8;

    private int _checkpointsTaken;

    /// <summary>
    /// A compaction moved the log's begin since the last full checkpoint. The next checkpoint must then be full: recovery
    /// from a log-only snapshot starts from the last index checkpoint, and one taken before the compaction lost rows
    /// (found by killing the server after a compaction and a log-only checkpoint, `CompactionProcessTests`).
    /// </summary>
    private bool _compactedSinceFullCheckpoint;

    public async Task<string> CheckpointAsync(CancellationToken cancellationToken)
    {
        // Fold-over checkpoints: FASTER makes the whole log read-only and writes it to the log file, so everything a
        // checkpoint covers is in the log file and recovery reads nothing else. (An update of a row after a checkpoint
        // then appends a copy instead of changing it in place; compaction reclaims the old ones.)
        // Not snapshot checkpoints, which keep the log's mutable part in a file of each checkpoint's own: records that
        // a compaction had copied to the mutable part lived only in those files from restart to restart, and once the
        // read-only address first moved past them the next recovery lost them all: an imported table's every token and
        // row after some 2 to 12 cycles of kills around requested compactions (CompactionKillLoopTests).
        // Writing the 64 MB hash index every time cost more than the writes being retired, hence log-only checkpoints
        // between full ones. Not FASTER's incremental snapshots: in FASTER 2.6.5 their delta flush read log pages that
        // were being evicted and crashed the process (CheckpointUnderLoadTests).
        var full = _compactedSinceFullCheckpoint || _checkpointsTaken % FullCheckpointEvery == 0;
        var token = await _checkpoints.TakeAsync(() => full
            ? _kv.TakeFullCheckpointAsync(CheckpointType.FoldOver, cancellationToken)
            : _kv.TakeHybridLogCheckpointAsync(CheckpointType.FoldOver, tryIncremental: false, cancellationToken), full);
        _checkpointsTaken++;
        if (full) _compactedSinceFullCheckpoint = false;
        // The checkpoint holds the log's begin address: the segments wholly before it (left by a compaction) can go.
        // Through the device, which waits until they are deleted (FASTER's Log.Truncate leaves that to whichever thread
        // next leaves its epoch).
        if (OnDisk) _device.TruncateUntilAddress(_kv.Log.BeginAddress);
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
        _checkpoints.Dispose(); // given to FASTER, so FASTER does not dispose it
        _device.Dispose();
        return ValueTask.CompletedTask;
    }
}
