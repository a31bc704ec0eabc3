namespace CrashLoop;

/// <summary>What one run of the kill loop does; every default is the loop's documented behaviour.</summary>
public sealed record CrashLoopOptions
{
    public int Cycles { get; init; } = 10;

    /// <summary>Seeds every random choice: load lengths, kill moments, rows pushed. Repeats a run's plan, not its thread timing.</summary>
    public int Seed { get; init; } = Random.Shared.Next();

    /// <summary>Keep a copy of the data folder as the kill left it, for every cycle whose checks fail.</summary>
    public bool KeepFailedData { get; init; }

    /// <summary>Load runs for a random time in [MinLoad, MaxLoad] before the kill.</summary>
    public TimeSpan MinLoad { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxLoad { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The server's <c>--wal-flush-ms</c>: a default push or a new row must be on disk within it.</summary>
    public int WalFlushMs { get; init; } = 100;

    /// <summary>Added to the flush interval: what was acknowledged longer than both before the kill must survive it.</summary>
    public int FlushMarginMs { get; init; } = 400;

    /// <summary>The word2vec file imported as the table; its folder becomes the server's import folder.</summary>
    public required string VectorFile { get; init; }

    /// <summary>Where the run's data folder (and kept copies) go.</summary>
    public string WorkRoot { get; init; } = Path.GetTempPath();

    public TextWriter Log { get; init; } = Console.Out;

    /// <summary>What must be on disk when the kill comes: acknowledged at least this long before it.</summary>
    public TimeSpan DurableAfter => TimeSpan.FromMilliseconds(WalFlushMs + FlushMarginMs);
}
