using System.Diagnostics;
using EmbeddingStore.Client;
using EndToEnd.Tests.Infrastructure;

namespace CrashLoop;

/// <summary>
/// The kill loop: starts the real store process on a fresh data folder, imports the table and creates the views, then
/// each cycle loads it for a random while, SIGKILLs it, restarts it on the same folder and checks it against the
/// <see cref="StoreModel"/>.
/// </summary>
public sealed class CrashLoopRunner : IAsyncDisposable
{
    private readonly CrashLoopOptions _options;
    private readonly CrashLoopReport _report;
    private readonly Random _plan;
    private readonly string _dataDir;
    private readonly SubscriptionFollower _follower = new();
    private ServerProcess? _server, _killed;
    private EmbeddingStoreClient? _client;
    private CycleRun? _run;
    private StoreModel? _model;

    private CrashLoopRunner(CrashLoopOptions options)
    {
        _options = options;
        _report = new CrashLoopReport(options);
        _plan = new Random(options.Seed);
        _dataDir = Path.Combine(options.WorkRoot, $"embstore-crashloop-{options.Seed}-{Guid.NewGuid().ToString("N")[..12]}");
    }

    public static async Task<CrashLoopReport> RunAsync(CrashLoopOptions options)
    {
        await using var runner = new CrashLoopRunner(options);
        await runner.RunCyclesAsync();
        options.Log.WriteLine(runner._report.Summary());
        return runner._report;
    }

    private EmbeddingStoreClient Client => _client!;
    private string ImportDir => Path.GetDirectoryName(Path.GetFullPath(_options.VectorFile))!;

    private async Task RunCyclesAsync()
    {
        var file = BaseFile.Load(_options.VectorFile);
        await StartServerAsync();
        _model = await StoreModel.CreateAsync(Client, file, Path.GetFileName(_options.VectorFile));
        _report.PrintHeader();
        await CheckAsync(new CycleFigures(0, 0, new WorkloadCounts(), false, 0, new CheckCounts(), false, 0), Stopwatch.GetTimestamp(), null);
        for (var cycle = 1; cycle <= _options.Cycles; cycle++)
        {
            var failuresBefore = _report.Failures.Count;
            var loadMs = _plan.Next((int)_options.MinLoad.TotalMilliseconds, (int)_options.MaxLoad.TotalMilliseconds + 1);
            var (killedAt, load) = await LoadAndKillAsync(loadMs);
            var kept = _options.KeepFailedData ? KeepCopy(cycle) : null;
            var restart = Stopwatch.StartNew();
            try { await StartServerAsync(); }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                _report.Failures.Add(cycle, "restart-failed", "the store on the killed store's data folder", "SERVING", e.Message);
                _report.PrintFailures(_report.Failures.Since(failuresBefore), _killed?.Output, null);
                if (kept is not null) _options.Log.WriteLine($"  the data folder as the kill left it: {kept}");
                return;
            }
            await CheckAsync(new CycleFigures(cycle, loadMs, load, CompactionRunning(_killed!.Output), restart.Elapsed.TotalMilliseconds, new CheckCounts(), false, 0), killedAt, kept, failuresBefore);
        }
        await _run!.KillAsync(() => Task.CompletedTask);
    }

    private async Task StartServerAsync()
    {
        _server = await ServerProcess.StartAsync(_dataDir, ImportDir, null, "--wal-flush-ms", _options.WalFlushMs.ToString());
        _client?.Dispose();
        _client = new EmbeddingStoreClient(_server.Address) { CallTimeout = TimeSpan.FromSeconds(120) };
        await _client.WaitForServingAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>Checks the store the last kill left (cycle 0: the fresh store), then resumes the subscriber for the next cycle's load.</summary>
    /// <param name="figures">The cycle's figures so far; the checks' are added.</param>
    private async Task CheckAsync(CycleFigures figures, long killedAt, string? kept, int failuresBefore = 0)
    {
        var cycle = figures.Cycle;
        _run = new CycleRun(cycle + 1, _report.Failures);
        _follower.Follow(Client, _run, cycle);
        var checks = new CycleChecks(_model!, Client, _report.Failures, cycle, killedAt, _options.DurableAfter);
        await checks.RunAsync(_follower);
        var failures = _report.Failures.Since(failuresBefore);
        _report.Add(figures with { Checked = checks.Counts, Resynced = _follower.Resynced, Failures = failures.Count });
        if (failures.Count > 0)
        {
            _report.PrintFailures(failures, _killed?.Output, _server!.Output);
            if (kept is not null) _options.Log.WriteLine($"  the data folder as the kill left it: {kept}");
        }
        else if (kept is not null) Directory.Delete(kept, recursive: true);
        if (_killed is not null) await _killed.DisposeAsync();
        _killed = null;
    }

    /// <summary>Runs the clients for <paramref name="loadMs"/>, then SIGKILLs the store under them.</summary>
    private async Task<(long KilledAt, WorkloadCounts Load)> LoadAndKillAsync(int loadMs)
    {
        var workload = new Workload(_model!, Client, _run!, new Random(_plan.Next()));
        workload.Start();
        await Task.Delay(loadMs);
        long killedAt = 0;
        await _run!.KillAsync(() =>
        {
            killedAt = Stopwatch.GetTimestamp();
            return _server!.KillAsync();
        });
        _run.Dispose();
        _killed = _server;
        return (killedAt, workload.Counts);
    }

    /// <summary>Whether a store's output ends inside a log compaction (the core logs its start and its end).</summary>
    private static bool CompactionRunning(IReadOnlyList<string> output)
    {
        var lines = output.ToList();
        return lines.FindLastIndex(l => l.Contains("Compacting the log")) > lines.FindLastIndex(l => l.Contains("Compacted the log"));
    }

    /// <summary>A copy of the data folder as the kill left it: restarting a store on it repeats the cycle's recovery.</summary>
    private string KeepCopy(int cycle)
    {
        var copy = $"{_dataDir}-killed-cycle{cycle}";
        foreach (var dir in Directory.EnumerateDirectories(_dataDir, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(copy, Path.GetRelativePath(_dataDir, dir)));
        foreach (var file in Directory.EnumerateFiles(_dataDir, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(copy, Path.GetRelativePath(_dataDir, file)));
        return copy;
    }

    public async ValueTask DisposeAsync()
    {
        _run?.Dispose();
        _client?.Dispose();
        if (_killed is not null && _killed != _server) await _killed.DisposeAsync();
        if (_server is not null)
        {
            _server.DeleteData();
            await _server.DisposeAsync();
        }
    }
}
