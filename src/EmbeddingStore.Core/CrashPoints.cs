using System.Diagnostics;

namespace EmbeddingStore.Core;

/// <summary>The steps of the store's writes at which a test can make the process die (<see cref="CrashPoints"/>).</summary>
public enum CrashPoint
{
    /// <summary>A new token's row is prepared; nothing is written yet.</summary>
    RowCreating,
    /// <summary>A new token and its row are written and logged; the call has not answered.</summary>
    RowCreated,
    /// <summary>A push has applied (and logged) its first row, not the others.</summary>
    PushApplying,
    /// <summary>A push has applied and logged every row; a durable one has not reached the disk.</summary>
    PushApplied,
    /// <summary>A durable push is on disk; the call has not answered.</summary>
    PushCommitted,
    /// <summary>A checkpoint has saved the catalog; FASTER's checkpoint has not started.</summary>
    CheckpointCatalogSaved,
    /// <summary>FASTER's checkpoint is complete; the write-ahead log it covers is not truncated yet.</summary>
    CheckpointWritten,
    /// <summary>A checkpoint has truncated the write-ahead log it covers.</summary>
    CheckpointLogTruncated,
    /// <summary>A compaction has copied the live records; the log's begin has not moved.</summary>
    CompactionCopied,
    /// <summary>A compaction has moved the log's begin; the checkpoint that records it has not run.</summary>
    CompactionShifted,
    /// <summary>An import has written its rows; the checkpoint that makes them durable has not run.</summary>
    ImportRowsWritten,
    /// <summary>An import's rows are checkpointed; the table is not marked ready.</summary>
    ImportCheckpointed,
    /// <summary>A snapshot's space is reserved; no row is copied.</summary>
    SnapshotReserved,
    /// <summary>A snapshot's rows are copied; the view is not in the catalog.</summary>
    SnapshotCopied,
    /// <summary>An eviction has deleted the row's token; the row is not deleted yet.</summary>
    RowEvicting,
}

/// <summary>
/// A test-only switch: the process kills itself (SIGKILL: no shutdown code runs, as in a crash) the Nth time it
/// reaches a named step. Armed by the server from <c>EMBSTORE_CRASH_AT=Point[:N][:power]</c>; unarmed, a step costs a
/// read of one field. With <c>power</c> the cut is a power cut: from that moment no write of the store's files
/// (<see cref="Storage.DirectFileDevice"/>, under the logs, the checkpoints and the log's commit records) reaches its
/// file, so what survives is exactly what had been written and synced before (every write is synced: O_DSYNC, and a new
/// file's folder is synced before the file is written). Torn writes within a page are not simulated.
/// </summary>
public static class CrashPoints
{
    public const string EnvironmentVariable = "EMBSTORE_CRASH_AT";

    private static CrashPoint? _armed;
    private static int _remaining;

    /// <summary>Arms the point that <see cref="EnvironmentVariable"/> names; returns it (null when unset).</summary>
    public static CrashPoint? ArmFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(':', 2);
        if (!Enum.TryParse<CrashPoint>(parts[0], ignoreCase: true, out var point))
            throw new ArgumentException($"{EnvironmentVariable}: '{parts[0]}' is not a crash point ({string.Join(", ", Enum.GetNames<CrashPoint>())})");
        var options = parts.Length > 1 ? parts[1].Split(':') : [];
        var hits = options.Length > 0 && int.TryParse(options[0], out var n) && n > 0 ? n : 1;
        Arm(point, hits, powerCut: options.Contains("power", StringComparer.OrdinalIgnoreCase));
        return point;
    }

    public static void Arm(CrashPoint point, int hits = 1, bool powerCut = false)
    {
        _remaining = hits;
        _powerCut = powerCut;
        _armed = point;
    }

    private static bool _powerCut;
    private static volatile bool _powerIsCut;

    /// <summary>True once a power cut has happened: no write reaches a file any more.</summary>
    public static bool PowerIsCut => _powerIsCut;

    /// <summary>Dies here if this is the armed point's Nth reach.</summary>
    public static void Reach(CrashPoint point)
    {
        if (_armed != point || Interlocked.Decrement(ref _remaining) != 0) return;
        if (_powerCut) _powerIsCut = true;
        Console.Error.WriteLine($"crash point {point} reached: {(_powerCut ? "cutting the power" : "killing the process")}");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }
}
