namespace EmbeddingStore.Core;

/// <summary>Where and how the store keeps its data.</summary>
public sealed record StoreOptions
{
    /// <summary>Folder for the log, checkpoints and write-ahead log. Created if missing.</summary>
    public required string DataDir { get; init; }

    /// <summary>Memory for the in-memory part of the log; the rest lives on disk. Rounded to a power of two.</summary>
    public long MemoryBudgetBytes { get; init; } = 512L << 20;

    /// <summary>Log page size, a power of two.</summary>
    public int PageSizeBits { get; init; } = 22;

    /// <summary>
    /// Size of the log file's segments in a new data folder, as a power of two (default 64 MiB). A compaction frees disk
    /// space a whole segment at a time. Fixed for the life of a data folder, which records it (FASTER finds addresses
    /// in the files by it); folders written before it was recorded used 1 GiB.
    /// </summary>
    public int LogSegmentBits { get; init; } = 26;

    /// <summary>Number of hash buckets (a power of two); about one per expected record / 2.</summary>
    public long IndexBuckets { get; init; } = 1L << 20;

    /// <summary>Interval between automatic checkpoints; zero disables them.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Interval at which non-durable pushes are flushed to the write-ahead log on disk.</summary>
    public TimeSpan WalFlushInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A checkpoint is also taken when the write-ahead log grows past this and past the smaller of the store's log and
    /// its memory: a checkpoint (a copy of the log written since it was last flushed, at most the log's memory, and
    /// every 8th time the hash index) is then not repeated for every few hundred MB of pushes, and replay after a crash
    /// reads at most about that much.
    /// </summary>
    public long WalCheckpointBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Row changes kept for subscribers (24 bytes each). A subscriber that reconnects, or falls behind, by more than
    /// this many changes gets a full resend of its rows instead of the changes it missed.
    /// </summary>
    public int ChangeFeedCapacity { get; init; } = 1 << 20;

    /// <summary>
    /// Memory for the neighbour caches of all views together: each queried table's unit vectors (shared by its views)
    /// and each queried view's own rows and copies. The least recently used are evicted to make room; a table larger
    /// than the whole budget is refused (docs/limits.md).
    /// </summary>
    public long NeighbourCacheBytes { get; init; } = 512L << 20;

    /// <summary>
    /// Tests: the data folder's file system is taken to be this large, its free space this minus the size of the data
    /// folder's files (or less, when the real file system has less), so that a test can fill it (docs/limits.md).
    /// </summary>
    public long? SimulatedDiskBytes { get; init; }

    /// <summary>Keep everything in memory and write nothing to disk (tests).</summary>
    public bool InMemory { get; init; }
}
