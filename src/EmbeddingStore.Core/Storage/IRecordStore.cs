namespace EmbeddingStore.Core.Storage;

/// <summary>Changes a record in place; called under the record's lock, so the change is atomic.</summary>
internal interface IRecordUpdater
{
    void Apply(Span<byte> value);
}

internal enum UpdateOutcome { Updated, Created, NotFound }

/// <summary>
/// The small storage interface the store is written against: byte keys to self-describing byte values.
/// FASTER implements it today; a distributed backend can implement it later. Methods report
/// outcomes as values, never as exceptions. Thread-safe.
/// </summary>
internal interface IRecordStore : IAsyncDisposable
{
    /// <summary>Copies the value into <paramref name="destination"/> (as much as fits) and returns its stored length, or -1 when absent.</summary>
    int Read(ReadOnlySpan<byte> key, Span<byte> destination);

    void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>
    /// Atomic read-modify-write. When the key is absent and <paramref name="initial"/> is not empty the
    /// record is created from it first; when absent and <paramref name="initial"/> is empty nothing happens.
    /// The value after the change is copied into <paramref name="afterImage"/>.
    /// </summary>
    UpdateOutcome Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> initial, IRecordUpdater? updater, Span<byte> afterImage);

    bool Delete(ReadOnlySpan<byte> key);

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
