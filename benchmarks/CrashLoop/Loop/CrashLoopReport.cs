namespace CrashLoop;

/// <summary>One cycle's figures: the load until the kill, the restart, and the checks after it (cycle 0: the fresh store).</summary>
/// <param name="CompactingAtKill">The killed store had logged the start of a log compaction and not its end.</param>
public sealed record CycleFigures(int Cycle, int LoadMs, WorkloadCounts Load, bool CompactingAtKill, double RecoveryMs, CheckCounts Checked,
    bool Resynced, int Failures);

/// <summary>The run's figures, one table row per cycle as it ends, and every failure.</summary>
public sealed class CrashLoopReport(CrashLoopOptions options)
{
    private const string Row = "{0,5} {1,7} {2,8} {3,8} {4,8} {5,9} {6,8} {7,6} {8,8} {9,9} {10,8} {11,11} {12,6} {13,8}";
    private readonly List<CycleFigures> _cycles = [];

    public FailureList Failures { get; } = new();
    public IReadOnlyList<CycleFigures> Cycles => _cycles;
    public bool Passed => Failures.Count == 0;

    public void PrintHeader()
    {
        options.Log.WriteLine($"crash loop: {options.Cycles} cycles, seed {options.Seed}, load {options.MinLoad.TotalMilliseconds:0}-{options.MaxLoad.TotalMilliseconds:0} ms, " +
                              $"must survive: durable acks, and default acks/new tokens/snapshots older than {options.DurableAfter.TotalMilliseconds:0} ms at the kill");
        options.Log.WriteLine(Row, "cycle", "load ms", "tokens", "durable", "default", "ckpt(cmp)", "cmp@kill", "snaps", "evicting", "recov ms", "checks",
            "lost in window", "resync", "failures");
    }

    public void Add(CycleFigures figures)
    {
        _cycles.Add(figures);
        var (load, check) = (figures.Load, figures.Checked);
        options.Log.WriteLine(Row, figures.Cycle, figures.LoadMs, load.Tokens, load.DurablePushes, load.DefaultPushes,
            $"{load.Checkpoints}({load.Compactions})", figures.CompactingAtKill ? "yes" : "no", load.Snapshots, load.EvictingTokens, $"{figures.RecoveryMs:0}", check.Checks,
            $"{check.TokensLostInFlushWindow}/{check.DefaultPushesLostInFlushWindow}/{check.SnapshotsLostInFlushWindow}",
            figures.Resynced ? "yes" : "no", figures.Failures);
    }

    /// <summary>A failed cycle: each failure (the first 20 of each kind), then the end of the killed and the restarted server's output.</summary>
    public void PrintFailures(IReadOnlyList<Failure> failures, IReadOnlyList<string>? killedOutput, IReadOnlyList<string>? restartedOutput)
    {
        foreach (var kind in failures.GroupBy(f => f.Kind))
        {
            foreach (var failure in kind.Take(20)) options.Log.WriteLine("  FAILED " + failure);
            if (kind.Count() > 20) options.Log.WriteLine($"  ... and {kind.Count() - 20} more {kind.Key} failures");
        }
        PrintTail("killed server", killedOutput);
        PrintTail("restarted server", restartedOutput);
    }

    private void PrintTail(string which, IReadOnlyList<string>? output)
    {
        if (output is null) return;
        // While the store recovers, every health poll logs a line: they would fill the tail.
        options.Log.WriteLine($"  --- {which}, last 30 lines (health-check lines left out) ---");
        foreach (var line in output.Where(l => !l.Contains("DefaultHealthCheckService", StringComparison.Ordinal)).TakeLast(30))
            options.Log.WriteLine("  | " + line);
    }

    public string Summary()
    {
        var cycles = _cycles.Where(c => c.Cycle > 0).ToList();
        var checks = _cycles.Sum(c => c.Checked.Checks);
        var lines = new List<string>
        {
            $"{cycles.Count} cycles (seed {options.Seed}): {cycles.Sum(c => c.Load.Tokens)} tokens created (+{cycles.Sum(c => c.Load.EvictingTokens)} in the evicting view), " +
            $"{cycles.Sum(c => c.Load.DurablePushes)} durable and {cycles.Sum(c => c.Load.DefaultPushes)} default pushes acknowledged, " +
            $"{cycles.Sum(c => c.Load.Checkpoints)} checkpoints ({cycles.Sum(c => c.Load.Compactions)} compacting), {cycles.Sum(c => c.Load.Snapshots)} snapshots; " +
            $"{checks} checks, {Failures.Count} failed",
            $"lost within the flush window (allowed): {cycles.Sum(c => c.Checked.TokensLostInFlushWindow)} tokens, " +
            $"{cycles.Sum(c => c.Checked.DefaultPushesLostInFlushWindow)} default pushes, {cycles.Sum(c => c.Checked.SnapshotsLostInFlushWindow)} snapshots; " +
            $"the oldest loss was acknowledged {cycles.Select(c => c.Checked.OldestLossMs).DefaultIfEmpty().Max():0} ms before its kill; " +
            $"a compaction was running at {cycles.Count(c => c.CompactingAtKill)} kills; subscriber resyncs after {cycles.Count(c => c.Resynced)} of {cycles.Count} restarts; mean recovery {cycles.Select(c => c.RecoveryMs).DefaultIfEmpty().Average():0} ms",
        };
        foreach (var kind in Failures.All.GroupBy(f => f.Kind))
            lines.Add($"FAILED {kind.Key}: {kind.Count()} times, in cycles {string.Join(", ", kind.Select(f => f.Cycle).Distinct())} (seed {options.Seed}); first: {kind.First()}");
        return string.Join(Environment.NewLine, lines);
    }
}
