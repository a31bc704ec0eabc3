namespace EmbeddingStore.Core.Storage;

/// <summary>
/// Keeps the store from filling its data folder's file system. FASTER 2.6.5 does not survive a full disk: a page it
/// cannot write stalls its flushed address (checkpoints and creating rows then wait forever), and a checkpoint's
/// metadata that fails to write is still taken for the latest one, after the previous one was deleted (the store then
/// does not start: "Unable to find valid HybridLog token"). So writes are refused while the free space is below what
/// a checkpoint may need plus a headroom for the writes admitted between two looks at the disk, and a write that fails
/// on the device anyway (another program filled the disk, an I/O error) refuses every write until a restart.
/// Refusals are <see cref="StoreError.ResourceExhausted"/> and name the folder, the free and the needed space; reads
/// are never refused. The free space is measured (statvfs) at most every <see cref="RefreshInterval"/>, and sooner once
/// half the headroom has been written, so a check costs a clock read.
/// </summary>
internal sealed class DiskSpace
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Checkpoint metadata, the catalog, the write-ahead log's commit records: small files, with room to spare.</summary>
    public const long MetadataBytes = 16L << 20;

    /// <summary>What writes admitted between two measurements may add (the measurement is repeated after half of it).</summary>
    public const long WriteHeadroomBytes = 32L << 20;

    /// <summary>The reserve of a store with <paramref name="options"/>: what its largest checkpoint may write.</summary>
    public sealed record Reserve(long LogMemoryBytes, long IndexBytes, long WalMemoryBytes)
    {
        public static Reserve For(StoreOptions options) => new(FasterRecordStore.LogMemoryBytes(options),
            FasterRecordStore.IndexBytes(options), WriteAheadLog.MemoryBytesFor(options.MemoryBudgetBytes));

        /// <summary>
        /// A checkpoint copies the log's in-memory part (at most its memory), every 8th one the hash index, and the
        /// write-ahead log's unflushed part reaches the disk before it; the previous checkpoint stays until it is done.
        /// </summary>
        public long CheckpointBytes => LogMemoryBytes + IndexBytes + WalMemoryBytes + MetadataBytes;

        public long WriteBytes => CheckpointBytes + WriteHeadroomBytes;

        public override string ToString() =>
            $"{Mib(CheckpointBytes)} for a checkpoint: the log's memory {Mib(LogMemoryBytes)}, the hash index {Mib(IndexBytes)}, " +
            $"the write-ahead log's memory {Mib(WalMemoryBytes)}, metadata {Mib(MetadataBytes)}; " +
            $"and {Mib(WriteHeadroomBytes)} for the writes admitted between two looks at the disk";
    }

    private readonly string? _dataDir;
    private readonly long? _simulatedDiskBytes;
    private long _freeBytes;
    /// <summary>When the free space was last measured (<see cref="Environment.TickCount64"/>; 0, at boot: not yet).</summary>
    private long _measuredAtMs;
    private long _writtenSinceMeasured;
    private string? _fault;

    public Reserve Needed { get; }

    private DiskSpace(string? dataDir, Reserve needed, long? simulatedDiskBytes)
    {
        _dataDir = dataDir;
        Needed = needed;
        _simulatedDiskBytes = simulatedDiskBytes;
    }

    /// <summary>The guard of the data folder in <paramref name="options"/>; one that never refuses for an in-memory store.</summary>
    public static DiskSpace For(StoreOptions options) =>
        new(options.InMemory ? null : Path.GetFullPath(options.DataDir), Reserve.For(options), options.SimulatedDiskBytes);

    /// <summary>Free bytes for the store in the data folder's file system, as last measured.</summary>
    public long FreeBytes
    {
        get
        {
            var measuredAt = Volatile.Read(ref _measuredAtMs);
            var now = Environment.TickCount64;
            if ((now - measuredAt >= RefreshInterval.TotalMilliseconds || Volatile.Read(ref _writtenSinceMeasured) >= WriteHeadroomBytes / 2)
                && Interlocked.CompareExchange(ref _measuredAtMs, now, measuredAt) == measuredAt)
            {
                Interlocked.Exchange(ref _writtenSinceMeasured, 0);
                Volatile.Write(ref _freeBytes, Measure());
            }
            return Volatile.Read(ref _freeBytes);
        }
    }

    private long Measure()
    {
        var free = new DriveInfo(_dataDir!).AvailableFreeSpace;
        if (_simulatedDiskBytes is not { } disk) return free;
        var used = new DirectoryInfo(_dataDir!).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        return Math.Max(0, Math.Min(free, disk - used));
    }

    /// <summary>Refuses a write (push, row creation, import, new table, view or snapshot) that could fill the disk.</summary>
    /// <param name="expectedBytes">What the write itself will add, when that is known (an import's file).</param>
    /// <exception cref="StoreException">ResourceExhausted, naming the folder, the free and the needed space.</exception>
    public void EnsureRoomForWrite(long expectedBytes = 0)
    {
        if (_dataDir is null) return;
        ThrowIfFaulted();
        var free = FreeBytes;
        var needed = Needed.WriteBytes + expectedBytes;
        if (free < needed) throw Refusal("writes are", free, needed, expectedBytes);
    }

    /// <summary>Refuses a checkpoint that could fill the disk; the previous one stays in force.</summary>
    public void EnsureRoomForCheckpoint()
    {
        if (_dataDir is null) return;
        ThrowIfFaulted();
        var free = FreeBytes;
        if (free < Needed.CheckpointBytes) throw Refusal("checkpoints are", free, Needed.CheckpointBytes, 0);
    }

    /// <summary>Why writes are refused now, or null when they are accepted (the health service reports it).</summary>
    public string? WriteRefusal
    {
        get
        {
            try { EnsureRoomForWrite(); }
            catch (StoreException e) { return e.Message; }
            return null;
        }
    }

    private StoreException Refusal(string what, long free, long needed, long expectedBytes) =>
        new(StoreError.ResourceExhausted,
            $"{what} refused: the data folder {_dataDir} has {Mib(free)} free, and the store keeps {Mib(needed)} free " +
            $"({Needed}{(expectedBytes > 0 ? $"; plus {Mib(expectedBytes)} for this import" : "")}). " +
            "Free space on its file system, or give it a larger one: writes resume by themselves once there is room");

    /// <summary>Whether a device write has failed; counted, so that a checkpoint can tell whether one failed while it ran.</summary>
    public int Faults => Volatile.Read(ref _faults);

    private int _faults;

    /// <summary>A write to <paramref name="file"/> failed: every write is refused from now on, until a restart.</summary>
    public void ReportWriteFailure(string file, Exception error)
    {
        Interlocked.CompareExchange(ref _fault,
            $"writes are refused: writing {file} failed ({error.Message}). Reads go on; writes and checkpoints stay refused " +
            $"until the store is restarted with room in {_dataDir}, which recovers the last checkpoint and the write-ahead log",
            null);
        Interlocked.Increment(ref _faults);
    }

    /// <summary>Counts bytes the devices wrote, so that a burst of writes is measured before the refresh interval.</summary>
    public void NoteWritten(long bytes) => Interlocked.Add(ref _writtenSinceMeasured, bytes);

    /// <exception cref="StoreException">ResourceExhausted, when a device write has failed since the store opened.</exception>
    public void ThrowIfFaulted()
    {
        if (Volatile.Read(ref _fault) is { } fault) throw new StoreException(StoreError.ResourceExhausted, fault);
    }

    /// <summary>Tests: every device write fails as on a full disk (ENOSPC) while this is set.</summary>
    internal bool FailWritesForTests { get; set; }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):F0} MiB";
}
