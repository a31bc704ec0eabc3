using VectorFormats;

namespace EmbeddingStore.Core;

/// <summary>
/// The store's transport-free API. Every method validates its input and throws
/// <see cref="StoreException"/> (or <see cref="VectorFormatException"/> for malformed imports)
/// having changed nothing. Thread-safe.
/// </summary>
public partial interface IEmbeddingStore
{
    /// <summary>
    /// Imports a vector file into a new table. The table becomes visible only once every row is in;
    /// a failed or cancelled import leaves nothing behind.
    /// </summary>
    Task<TableInfo> ImportAsync(string table, Stream source, VectorFormat format, string sourceName,
        long totalBytes, IProgress<ImportProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Creates an empty table (no base rows), e.g. for views of randomly initialised models.</summary>
    TableInfo CreateTable(string name, int dim);

    IReadOnlyList<TableInfo> ListTables();
    TableInfo DescribeTable(string name);
    /// <summary>Deletes a table; refused while views read it. Returns the records removed.</summary>
    long DeleteTable(string name);

    ViewInfo CreateView(ViewSpec spec);
    /// <summary>Views whose chain ends at <paramref name="table"/>, or all views when null.</summary>
    IReadOnlyList<ViewInfo> ListViews(string? table);
    ViewInfo DescribeView(string name);
    /// <summary>Deletes a view and its own rows; refused while views are layered over it.</summary>
    long DeleteView(string name);

    /// <summary>
    /// Pins what <paramref name="view"/> reads now as a new static view <paramref name="name"/> over the same table.
    /// Writes to the view and its ancestors wait while the snapshot copies their rows.
    /// </summary>
    Task<ViewInfo> CreateSnapshotAsync(string view, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Maps tokens to row ids, applying the policy (or the view's when Default). With <paramref name="mayCreate"/> false
    /// (a caller that may only read), a call that would create a row, a new token under CREATE or the view's unk row
    /// under UNK, is refused with PermissionDenied having created nothing.
    /// </summary>
    ResolveResult Resolve(string view, IReadOnlyList<string> tokens, UnknownPolicy policy, bool mayCreate = true);

    /// <summary>Dimension of the vectors read through the view.</summary>
    int DimOf(string view);

    /// <summary>
    /// Reads rows by id into <paramref name="vectors"/> (ids.Length * dim floats) and
    /// <paramref name="meta"/> (ids.Length entries). NOT_FOUND for an id the view cannot read.
    /// </summary>
    void Pull(string view, ReadOnlySpan<long> ids, Span<float> vectors, Span<RowMeta> meta);

    /// <summary>
    /// Applies a sparse update. <paramref name="values"/> holds ids.Length * dim floats. Repeated ids are
    /// summed (gradient, delta) or the last wins (assign). With <paramref name="reportFrozen"/> false any
    /// non-trainable row refuses the whole push (FailedPrecondition); true applies the rest and reports them.
    /// With <paramref name="durable"/> the task completes only once the update is on disk.
    /// A non-empty <paramref name="rowsAfter"/> (ids.Length * dim floats) receives, per id in order, the value the
    /// push wrote, read in the same update; a row it did not apply gets its current value, or zeros if it is gone.
    /// A push is validated whole before its first row is written, and once it has started it is applied whole.
    /// A non-empty <paramref name="requestId"/> (1 to 64 bytes) makes a retry safe: a push whose id the store remembers
    /// (the last 65,536, durably) is not applied again and gets the first answer, <see cref="PushResult.Replayed"/> set.
    ValueTask<PushResult> PushAsync(string view, PushKind kind, ReadOnlyMemory<long> ids, ReadOnlyMemory<float> values,
        bool reportFrozen, bool durable, CancellationToken cancellationToken, Memory<float> rowsAfter = default,
        ReadOnlyMemory<byte> requestId = default);

    /// <summary>
    /// The rows of interest as they read now (unless <see cref="SubscriptionSpec.AfterVersion"/> is set), then every
    /// change as it happens. Never buffers for a slow reader: see <see cref="ChangeSet.Resync"/>. Ends with NotFound
    /// when the view is deleted, and when <paramref name="cancellationToken"/> fires.
    /// </summary>
    IAsyncEnumerable<ChangeSet> SubscribeAsync(SubscriptionSpec spec, CancellationToken cancellationToken);

    /// <summary>Writes every token the view reads, with its vector, as word2vec binary or text.</summary>
    Task ExportAsync(string view, Stream destination, bool binary, IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken);

    /// <summary>
    /// Takes a checkpoint and returns once it is on disk; with <paramref name="compact"/>, compacts the log first
    /// (copies its live read-only records to the tail and drops superseded and deleted ones), which a checkpoint also
    /// does on its own once at least half of the log's read-only part is superseded.
    /// </summary>
    Task<CheckpointResult> CheckpointAsync(bool compact, CancellationToken cancellationToken);
}
