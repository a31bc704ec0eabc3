namespace EmbeddingStore.Core.Storage;

/// <summary>Changes a record in place; called under the record's lock, so the change is atomic.</summary>
internal interface IRecordUpdater
{
    void Apply(Span<byte> value);
}

internal enum UpdateOutcome { Updated, Created, NotFound }

/// <summary>
/// Where a write's after-image goes (the write-ahead log): called under the key's write lock, right after the store
/// applied the write, so that per key the log's order is the order the writes were applied in, and the version a
/// write took inside the lock grows in that order too.
/// </summary>
internal interface IWriteLog
{
    void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>Two records written as one: replay applies both or neither.</summary>
    void SetTogether(ReadOnlySpan<byte> key1, ReadOnlySpan<byte> value1, ReadOnlySpan<byte> key2, ReadOnlySpan<byte> value2);

    void Delete(ReadOnlySpan<byte> key, long version);
}

/// <summary>
/// The small storage interface the store is written against: byte keys to self-describing byte values.
/// FASTER implements it today; a distributed backend can implement it later. Methods report
/// outcomes as values, never as exceptions. Thread-safe.
/// </summary>
internal interface IRecordStore : IAsyncDisposable
{
    /// <summary>Copies the value into <paramref name="destination"/> (as much as fits) and returns its stored length, or -1 when absent.</summary>
    int Read(ReadOnlySpan<byte> key, Span<byte> destination);

    /// <summary>Writes the value; with <paramref name="log"/>, logs it under the key's write lock.</summary>
    void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, IWriteLog? log = null);

    /// <summary>
    /// Atomic read-modify-write. When the key is absent and <paramref name="initial"/> is not empty the
    /// record is created from it first; when absent and <paramref name="initial"/> is empty nothing happens.
    /// The value after the change is copied into <paramref name="afterImage"/> and, with <paramref name="log"/>, logged
    /// under the key's write lock.
    /// </summary>
    UpdateOutcome Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> initial, IRecordUpdater? updater, Span<byte> afterImage,
        IWriteLog? log = null);

    /// <summary>
    /// Creates two records as one when <paramref name="claimKey"/> is absent: under both keys' write locks, stamps both
    /// values with one version from <paramref name="nextVersion"/> (every value starts with its version), writes them
    /// and logs them as one entry. Returns false, writing nothing, when the claim exists; its value is then copied
    /// into <paramref name="existing"/>.
    /// </summary>
    bool CreateTogether(ReadOnlySpan<byte> claimKey, Span<byte> claimValue, ReadOnlySpan<byte> otherKey, Span<byte> otherValue,
        Func<long> nextVersion, IWriteLog? log, Span<byte> existing);

    /// <summary>
    /// Deletes the key; with <paramref name="nextVersion"/> takes the deletion's version under the key's write lock and
    /// logs it there. Returns that version (0 without one).
    /// </summary>
    long Delete(ReadOnlySpan<byte> key, Func<long>? nextVersion = null, IWriteLog? log = null);

    /// <summary>
    /// Writes every record appended so far to the log's device and makes it read-only. Checkpoints after this no longer
    /// copy those records (a snapshot checkpoint copies only the log past the flushed point); an update of one of them
    /// appends a new record instead of changing it in place. Meant for records written once and never changed: an
    /// imported table's base rows. Does nothing for a store without a disk.
    /// </summary>
    void FlushWrittenRecords();

    /// <summary>Makes everything written so far durable; returns a token naming the checkpoint.</summary>
    Task<string> CheckpointAsync(CancellationToken cancellationToken);

    /// <summary>Bytes the store's log spans (memory and disk).</summary>
    long LogBytes { get; }

    /// <summary>Bytes of records that newer records of their key replaced since the last compaction (an estimate).</summary>
    long SupersededBytes { get; set; }

    /// <summary>
    /// Whether enough of the log's read-only part is known to be superseded records (at least half of it, and at least
    /// a segment of the log file, in a part of at least two segments) for a <see cref="Compact"/> to be worth its
    /// copying. Never for a store without a disk.
    /// </summary>
    bool CompactionDue { get; }

    /// <summary>
    /// Copies every live record of the log's read-only part to the log's tail, except those of the spaces
    /// <paramref name="dropSpace"/> names, and moves the log's begin past that part: superseded records, deleted
    /// records and the dropped spaces' records are gone. Safe beside concurrent reads and writes. The disk space is
    /// freed by the next checkpoint, which records the new begin.
    /// </summary>
    CompactionResult Compact(Func<int, bool> dropSpace, CancellationToken cancellationToken);
}

/// <summary>What a compaction did: the log's span before and after, the live records it copied, the records it dropped with their space.</summary>
internal sealed record CompactionResult(long BytesBefore, long BytesAfter, long RecordsCopied, long BytesCopied, long RecordsDropped);
