using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace StoreBench;

/// <summary>
/// Restart time (issue 23, item 6): the time from the server's process start to SERVING for a store holding N rows
/// created in a view, recovering with a full write-ahead log (the rows written after the last checkpoint, then SIGKILL)
/// and with an empty one (after a clean SIGTERM, which checkpoints); with the page cache as the last run left it (a
/// process restart) and, with <c>--cold</c>, dropped first (a machine restart). The peers in the same run: the same process starting on an
/// empty data folder (what runtime and host cost with nothing to recover) and reading the data folder's files once
/// (<c>cat &gt; /dev/null</c>, as the store left them, again, and after dropping the page cache: the I/O floor).
/// </summary>
public static partial class RestartBench
{
    private const int Dim = 100, Batch = 50_000, Writers = 2, Samples = 1_000;
    private const string Table = "small", View = "rows";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(15);

    public sealed record Options(int[] Sizes, int MemoryMb, bool Cold, string WorkRoot, string? Output);

    private sealed record Figures(long Rows, string Wal, string Cache, long WalBytes, long Entries, double Listening, double? Opened,
        double? ReplayCheckpoint, double? Ready, double Serving, long DataBytes, double? Stop);

    public static async Task<int> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var canDrop = options.Cold && CanDropCaches();
        if (options.Cold && !canDrop) Console.WriteLine("--cold: /proc/sys/vm/drop_caches is not writable here; cold cases skipped");
        var report = new StringBuilder();
        var started = DateTime.UtcNow;
        report.AppendLine(CultureInfo.InvariantCulture,
            $"Run of {started:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {TotalMemoryGiB():F0} GiB, .NET {Environment.Version}, " +
            $"--memory-mb {options.MemoryMb}, load average at start {LoadAverage()}:");
        report.AppendLine();
        report.AppendLine("| rows | WAL at start | page cache | WAL files, MB | log entries replayed | start -> listening, s | store opened (log), s | checkpoint after replay (log), s | \"Store ready after\" (log), s | **start -> SERVING, s** | data folder, MB | SIGTERM -> exit, s |");
        report.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var peers = new StringBuilder();
        foreach (var rows in options.Sizes)
        {
            var dir = Path.Combine(options.WorkRoot, $"storebench-restart-{rows}-{Guid.NewGuid().ToString("N")[..8]}");
            try
            {
                foreach (var f in await MeasureAsync(rows, dir, options, canDrop, peers, cancellationToken))
                {
                    var line = Row(f);
                    report.AppendLine(line);
                    Console.WriteLine(line);
                }
            }
            finally
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                if (Directory.Exists(dir + ".killed")) Directory.Delete(dir + ".killed", recursive: true);
            }
        }
        report.AppendLine();
        report.Append(peers);
        report.AppendLine(CultureInfo.InvariantCulture, $"Load average at the end: {LoadAverage()}; the whole run took {(DateTime.UtcNow - started).TotalMinutes:F1} min.");
        Console.WriteLine();
        Console.WriteLine(report);
        if (options.Output is not null) await File.WriteAllTextAsync(options.Output, report.ToString(), cancellationToken);
        return 0;
    }

    private static async Task<List<Figures>> MeasureAsync(int rows, string dir, Options options, bool cold, StringBuilder peers,
        CancellationToken cancellationToken)
    {
        var figures = new List<Figures>();
        // Checkpoints only at shutdown (and after a replay); the WAL's own trigger is max(256 MiB, min(log, --memory-mb)),
        // so a --memory-mb above the log's size keeps every row of the fill in the WAL.
        string[] flags = ["--checkpoint-interval", "0"];

        // Fresh data folder: the peer "process start with nothing to recover", then the fill.
        var server = RestartServer.Start(dir, options.MemoryMb, flags);
        var client = new EmbeddingStoreClient(server.Address) { CallTimeout = TimeSpan.FromMinutes(10) };
        (string Token, long Id)[] sample;
        try
        {
            var emptyServing = await server.WaitForServingAsync(client, StartTimeout);
            Console.WriteLine($"{rows:N0} rows: empty store SERVING {emptyServing:F2} s after process start");
            peers.AppendLine(CultureInfo.InvariantCulture,
                $"* {rows:N0} rows, peer \"empty data folder\": the same server on a fresh folder was SERVING {emptyServing:F2} s after its process start " +
                $"(listening at {server.FirstLine("listening on")?.Seconds:F2} s).");
            var fill = Stopwatch.StartNew();
            sample = await FillAsync(client, rows, cancellationToken);
            var fillSeconds = fill.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // two WAL flush intervals (100 ms) and more
            var checkpoints = server.Lines.Count(l => l.Line.Contains("Checkpoint ", StringComparison.Ordinal) && l.Line.Contains(" took ", StringComparison.Ordinal));
            var rss = ResidentBytes(server.ProcessId);
            Console.WriteLine($"{rows:N0} rows created in {fillSeconds:F1} s ({rows / fillSeconds:N0} rows/s), {checkpoints} checkpoints meanwhile, " +
                              $"server resident {rss / 1e6:N0} MB; SIGKILL");
            peers.AppendLine(CultureInfo.InvariantCulture,
                $"* {rows:N0} rows: the fill (Resolve, policy CREATE, {Batch:N0} tokens a call, {Writers} callers) took {fillSeconds:F1} s " +
                $"({rows / fillSeconds:N0} rows/s); checkpoints during the fill: {checkpoints}; server resident before the kill: {rss / 1e6:N0} MB.");
            await server.KillAsync();
        }
        finally
        {
            client.Dispose();
            await server.DisposeAsync();
        }
        var killed = dir + ".killed";
        if (cold) CopyDirectory(dir, killed);

        // Full WAL, warm, then (from the copy) cold.
        figures.Add(await RestartAsync(rows, dir, "full (SIGKILL)", "as left", options, flags, sample, drop: false, cancellationToken));
        if (cold)
        {
            Directory.Delete(dir, recursive: true);
            Directory.Move(killed, dir);
            figures.Add(await RestartAsync(rows, dir, "full (SIGKILL)", "dropped", options, flags, sample, drop: true, cancellationToken));
        }
        // Empty WAL: the previous run stopped with SIGTERM.
        figures.Add(await RestartAsync(rows, dir, "empty (SIGTERM)", "as left", options, flags, sample, drop: false, cancellationToken));
        if (cold) figures.Add(await RestartAsync(rows, dir, "empty (SIGTERM)", "dropped", options, flags, sample, drop: true, cancellationToken));

        // The I/O floor: every file of the data folder read once.
        // The store reads and writes its files with O_DIRECT, so they are not in the page cache after it stops: the first
        // read is from the disk; the second from the page cache.
        var bytes = FolderBytes(dir);
        var firstRead = CatSeconds(dir);
        var line = $"* {rows:N0} rows, peer \"I/O floor\": reading the data folder's files once ({bytes / 1e6:N0} MB, `cat > /dev/null`) took " +
                   $"{firstRead:F2} s as the store left them (not cached: it writes with O_DIRECT), {CatSeconds(dir):F2} s again (page cache)";
        if (cold)
        {
            DropCaches();
            line += $", {CatSeconds(dir):F2} s with the page cache dropped";
        }
        peers.AppendLine(line + ".");
        Console.WriteLine(line);
        return figures;
    }

    private static async Task<Figures> RestartAsync(int rows, string dir, string wal, string cache, Options options, string[] flags,
        (string Token, long Id)[] sample, bool drop, CancellationToken cancellationToken)
    {
        var walBytes = FolderBytes(Path.Combine(dir, "wal"));
        var dataBytes = FolderBytes(dir);
        if (drop) DropCaches();
        var server = RestartServer.Start(dir, options.MemoryMb, flags);
        var client = new EmbeddingStoreClient(server.Address) { CallTimeout = TimeSpan.FromMinutes(10) };
        try
        {
            var serving = await server.WaitForServingAsync(client, StartTimeout);
            await CheckAsync(client, rows, sample, cancellationToken);
            var opened = server.FirstLine("Store opened in ");
            var ready = server.FirstLine("Store ready after ");
            var replayCheckpoint = opened is { } o && ready is { } r
                ? server.Lines.Where(l => l.Seconds >= o.Seconds && l.Seconds <= r.Seconds && CheckpointLine().IsMatch(l.Line))
                    .Select(l => (double?)Milliseconds(CheckpointLine(), l.Line)).FirstOrDefault()
                : null;
            // What the server said while it started, with the time each line arrived: where the time went.
            foreach (var (seconds, text) in server.Lines.TakeWhile(l => l.Seconds <= (ready?.Seconds ?? serving))
                         .Where(l => !l.Line.Contains("HealthChecks", StringComparison.Ordinal)))
                Console.WriteLine($"    {seconds,7:F2} s  {text}");
            var stop = await server.StopAsync(TimeSpan.FromMinutes(10));
            var f = new Figures(rows, wal, cache, walBytes, opened is { } x ? (long)Number(EntriesLine(), x.Line) : -1,
                server.FirstLine("listening on")?.Seconds ?? double.NaN,
                opened is { } op ? Milliseconds(OpenedLine(), op.Line) : null, replayCheckpoint,
                ready is { } re ? Milliseconds(ReadyLine(), re.Line) : null, serving, dataBytes, stop);
            Console.WriteLine(Row(f));
            return f;
        }
        finally
        {
            client.Dispose();
            await server.DisposeAsync();
        }
    }

    /// <summary>Creates <paramref name="rows"/> rows in an overlay view over an empty 100-d table; returns a sample of tokens and ids.</summary>
    private static async Task<(string, long)[]> FillAsync(EmbeddingStoreClient client, int rows, CancellationToken cancellationToken)
    {
        await client.CreateTableAsync(Table, Dim, cancellationToken);
        await client.CreateViewAsync(new ViewOptions(View)
        {
            Table = Table,
            Mode = TrainMode.Overlay,
            Unknown = UnknownPolicy.Create,
            Init = InitKind.Uniform,
            InitScale = 0.25f,
            Optimizer = OptimizerKind.Sgd,
        }, cancellationToken);
        var random = new Random(23);
        var sampled = Enumerable.Range(0, Samples).Select(_ => random.Next(rows)).Distinct().ToHashSet();
        var sample = new List<(string, long)>();
        var next = -1;
        var done = 0L;
        var progress = Stopwatch.StartNew();
        async Task Writer()
        {
            while (true)
            {
                var first = Interlocked.Add(ref next, Batch) - Batch + 1;
                if (first >= rows) return;
                var tokens = Enumerable.Range(first, Math.Min(Batch, rows - first)).Select(Token).ToArray();
                var ids = await client.ResolveAsync(View, tokens, UnknownPolicy.Create, cancellationToken);
                lock (sample)
                    for (var i = 0; i < tokens.Length; i++)
                        if (sampled.Contains(first + i)) sample.Add((tokens[i], ids[i]));
                var total = Interlocked.Add(ref done, tokens.Length);
                if (total / 1_000_000 != (total - tokens.Length) / 1_000_000)
                    Console.WriteLine($"  {total:N0} rows after {progress.Elapsed.TotalSeconds:F0} s");
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Writer()));
        return [.. sample];
    }

    /// <summary>The store holds every row: the view's count, and the sampled tokens resolve to the ids they were given.</summary>
    private static async Task CheckAsync(EmbeddingStoreClient client, int rows, (string Token, long Id)[] sample, CancellationToken cancellationToken)
    {
        var view = await client.DescribeViewAsync(View, cancellationToken);
        if (view.OwnRows != rows) throw new InvalidOperationException($"after the restart the view holds {view.OwnRows} rows, not {rows}");
        var ids = await client.ResolveAsync(View, [.. sample.Select(s => s.Token)], UnknownPolicy.Fail, cancellationToken);
        for (var i = 0; i < ids.Length; i++)
            if (ids[i] != sample[i].Id)
                throw new InvalidOperationException($"after the restart {sample[i].Token} resolves to {ids[i]}, not {sample[i].Id}");
        var (vectors, _, _) = await client.PullAsync(View, [.. sample.Select(s => s.Id)], cancellationToken);
        if (vectors.All(v => v == 0)) throw new InvalidOperationException("after the restart the sampled rows read as zeros");
    }

    private static string Token(int i) => "t" + i.ToString("D8", CultureInfo.InvariantCulture);

    private static string Row(Figures f) => string.Create(CultureInfo.InvariantCulture,
        $"| {f.Rows:N0} | {f.Wal} | {f.Cache} | {f.WalBytes / 1e6:N0} | {f.Entries:N0} | {f.Listening:F2} | {S(f.Opened)} | {S(f.ReplayCheckpoint)} | {S(f.Ready)} | **{f.Serving:F2}** | {f.DataBytes / 1e6:N0} | {S(f.Stop)} |");

    private static string S(double? seconds) => seconds is { } s ? s.ToString("F2", CultureInfo.InvariantCulture) : "-";

    [GeneratedRegex(@"Store opened in (\d+) ms")] private static partial Regex OpenedLine();
    [GeneratedRegex(@"(\d+) log entries applied")] private static partial Regex EntriesLine();
    [GeneratedRegex(@"Store ready after (\d+) ms")] private static partial Regex ReadyLine();
    [GeneratedRegex(@"Checkpoint \S+ took (\d+) ms")] private static partial Regex CheckpointLine();

    private static double Number(Regex regex, string line) => double.Parse(regex.Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
    private static double Milliseconds(Regex regex, string line) => Number(regex, line) / 1000;

    private static long FolderBytes(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    private static double CatSeconds(string dir)
    {
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToList();
        var info = new ProcessStartInfo("sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("find \"$1\" -type f -exec cat {} + > /dev/null");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(dir);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"reading {files.Count} files of {dir} failed");
        return clock.Elapsed.TotalSeconds;
    }

    private static void CopyDirectory(string from, string to)
    {
        using var process = Process.Start("cp", ["-a", from, to])!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"cp -a {from} {to} failed");
    }

    private static bool CanDropCaches()
    {
        try
        {
            DropCaches();
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return false; }
    }

    /// <summary>Writes what is dirty, then drops the page cache (needs root): the next reads come from the disk.</summary>
    private static void DropCaches()
    {
        using (var sync = Process.Start("sync")!) sync.WaitForExit();
        File.WriteAllText("/proc/sys/vm/drop_caches", "1");
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static double TotalMemoryGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30);
}
