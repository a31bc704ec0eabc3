namespace EmbeddingStore.Core;

/// <summary>
/// A view's optional hygiene state, rebuilt in memory after a restart: the sightings of tokens waiting for
/// <see cref="ViewSpec.MinCount"/>, and the last use of its records for <see cref="ViewSpec.EvictUnusedAfterMs"/>.
/// What it decides is durable: created rows and evictions go through the write-ahead log like any write.
/// </summary>
internal sealed class OverlayHygiene(Func<RowUseTracker> trackerFactory)
{
    public const int MaxMinCount = 1_000_000;

    private readonly Lazy<RowUseTracker> _uses = new(trackerFactory, LazyThreadSafetyMode.ExecutionAndPublication);

    public PendingTokens Pending { get; } = new(PendingTokens.DefaultCapacity);

    /// <summary>Built on first use by listing the records the view already holds.</summary>
    public RowUseTracker Uses => _uses.Value;

    public static void Validate(ViewSpec spec)
    {
        if (spec.MinCount < 0 || spec.MinCount > MaxMinCount)
            throw new StoreException(StoreError.InvalidArgument, $"min_count {spec.MinCount} is outside 0..{MaxMinCount}");
        if (spec.EvictUnusedAfterMs < 0)
            throw new StoreException(StoreError.InvalidArgument, $"evict_unused_after_ms {spec.EvictUnusedAfterMs} must be >= 0");
    }
}
