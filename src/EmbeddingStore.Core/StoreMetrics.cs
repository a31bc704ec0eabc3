using System.Diagnostics.Metrics;

namespace EmbeddingStore.Core;

/// <summary>
/// The core's instruments (System.Diagnostics.Metrics), read by whatever listener the host attaches: the server
/// exports them in Prometheus format (<c>--metrics-port</c>). Recording costs nothing measurable without a listener.
/// </summary>
public static class StoreMetrics
{
    public const string MeterName = "EmbeddingStore.Core";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>(
        "embstore.checkpoint.duration", "s", "Time to take a checkpoint (FASTER snapshot, catalog, log truncation)");

    public static readonly Histogram<double> CompactionDuration = Meter.CreateHistogram<double>(
        "embstore.compaction.duration", "s", "Time to compact the log (copy its live read-only records to the tail)");

    public static readonly Histogram<double> WalFlushLag = Meter.CreateHistogram<double>(
        "embstore.wal.flush_lag", "s",
        "Time from a periodic flush round starting to commit the write-ahead log's new entries to a round finding them on disk: one flush interval while the disk keeps up; what a crash can lose of default pushes and new rows");

    public static readonly Counter<long> ImportRows = Meter.CreateCounter<long>(
        "embstore.import.rows", "{row}", "Rows read by imports, counted as they arrive");

    public static readonly Counter<long> ImportBytes = Meter.CreateCounter<long>(
        "embstore.import.bytes", "By", "Bytes of vector files read by imports, counted as they arrive");

    public static readonly UpDownCounter<long> NeighbourCacheBytes = Meter.CreateUpDownCounter<long>(
        "embstore.neighbour_cache.bytes", "By",
        "Memory of the neighbour caches: tables' unit vectors (shared by their views) and views' own rows, at most --neighbour-cache-mb");

    public static readonly UpDownCounter<long> ImportsRunning = Meter.CreateUpDownCounter<long>(
        "embstore.import.running", "{import}", "Imports in progress");
}
