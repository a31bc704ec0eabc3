using System.Globalization;
using System.Text;
using ScottPlot;

namespace StoreBench.Peers;

/// <summary>
/// Collects the peer comparison's measurements and writes them as a markdown table and a bar chart.
/// Numbers format with the invariant culture: the build sets InvariantGlobalization.
/// </summary>
public sealed class BenchReport(int batchRows, double seconds)
{
    private sealed record RowsMeasurement(string Operation, int Dim, int Clients, string System, Load.Result Result)
    {
        public double MegabytesPerSecond => Result.RowsPerSecond * Dim * sizeof(float) / 1e6;
    }

    private sealed record ImportMeasurement(string File, string System, double Megabytes, double Seconds, double CpuSeconds, long PeakBytes, long Rows);

    private readonly List<RowsMeasurement> _rows = [];
    private readonly List<ImportMeasurement> _imports = [];

    /// <summary>MB/s of a plain TCP copy over loopback, by connection count.</summary>
    public Dictionary<int, double> Loopback { get; } = [];

    /// <summary>MB/s of a sequential 1 GiB file write with one fsync, beside the store's data.</summary>
    public double DiskWrite { get; set; }

    /// <summary>How gensim's import rows are named; the other imports are compared with them.</summary>
    public const string GensimSystem = "gensim";

    public double TotalSeconds { get; set; }

    public void Add(string operation, int dim, int clients, string system, Load.Result result)
    {
        _rows.Add(new RowsMeasurement(operation, dim, clients, system, result));
        Console.WriteLine($"{operation} {dim}-d, {clients} client(s), {system}: {result.RowsPerSecond:N0} rows/s, p50 {result.P50Ms:F2} ms, " +
            $"p99 {result.P99Ms:F2} ms, server {result.ServerCpuMicrosPerRow:F2} µs CPU/row");
    }

    public void AddImport(string file, string system, double megabytes, double seconds, double cpuSeconds, long peakBytes, long rows) =>
        _imports.Add(new ImportMeasurement(file, system, megabytes, seconds, cpuSeconds, peakBytes, rows));

    public string Markdown()
    {
        var s = new StringBuilder();
        s.AppendLine($"# Store against its peers ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        s.AppendLine();
        s.AppendLine($"Written by `scripts/bench.sh` ({TotalSeconds / 60:F1} min): {Environment.ProcessorCount} cores, .NET {Environment.Version}, " +
            $"batches of {batchRows:N0} distinct random rows, {seconds:F0} s per measurement after a warm-up, one connection per client, " +
            "every system on 127.0.0.1 and measured in the same run. Pull: the store's Pull by row id against MGET. " +
            "Push: the store's Adadelta push against pipelined GET, add in the client, pipelined SET. " +
            $"Ratios above 1 favour the store. \"{PeerBench.CoreSystem}\" is the store's storage core called in the benchmark's " +
            "own process (durable like the server, no gRPC): the bound on what any transport in front of it could reach here; " +
            "its CPU per row is the whole benchmark process's. Rows/s and latencies move with whatever else the machine runs; " +
            "server CPU per row (from /proc) hardly does.");
        s.AppendLine();
        s.AppendLine("| operation | dim | clients | system | rows/s | MB/s | p50 ms | p99 ms | server CPU µs/row | store / system (rows/s) | MB/s / loopback |");
        s.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in _rows)
        {
            var store = _rows.First(r => r.Operation == m.Operation && r.Dim == m.Dim && r.Clients == m.Clients && r.System == "store");
            var loopback = Loopback.TryGetValue(m.Clients, out var l) ? $"{m.MegabytesPerSecond / l:P1}" : "";
            s.AppendLine($"| {m.Operation} | {m.Dim} | {m.Clients} | {m.System} | {m.Result.RowsPerSecond:N0} | {m.MegabytesPerSecond:N0} | " +
                $"{m.Result.P50Ms:F2} | {m.Result.P99Ms:F2} | {m.Result.ServerCpuMicrosPerRow:F2} | {store.Result.RowsPerSecond / m.Result.RowsPerSecond:F2} | {loopback} |");
        }
        s.AppendLine();
        s.AppendLine("| loopback TCP copy (1 MiB writes) | MB/s |");
        s.AppendLine("|---|---:|");
        foreach (var (connections, mbps) in Loopback) s.AppendLine($"| {connections} connection(s) | {mbps:N0} |");
        s.AppendLine();
        s.AppendLine($"Disk write limit: a sequential 1 GiB write in 1 MiB buffers with one fsync, beside the store's data: {DiskWrite:N0} MB/s. " +
            "The store's import writes every row to its log and checkpoints it before answering, so it cannot import faster than that.");
        s.AppendLine();
        s.AppendLine("| import | system | MB/s | seconds | CPU seconds | peak resident MB | speed / gensim's | MB/s / disk write |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var m in _imports)
        {
            var gensim = _imports.FirstOrDefault(i => i.File == m.File && i.System.StartsWith(GensimSystem, StringComparison.Ordinal));
            var ratio = gensim is null ? "-" : (gensim.Seconds / m.Seconds).ToString("F2", CultureInfo.InvariantCulture);
            s.AppendLine($"| {m.File} ({m.Megabytes:N0} MB, {m.Rows:N0} rows) | {m.System} | {m.Megabytes / m.Seconds:N0} | {m.Seconds:F1} | {m.CpuSeconds:F1} | " +
                $"{m.PeakBytes / 1e6:N0} | {ratio} | {(m.System.StartsWith(GensimSystem, StringComparison.Ordinal) ? "-" : (m.Megabytes / m.Seconds / DiskWrite).ToString("P0", CultureInfo.InvariantCulture))} |");
        }
        return s.ToString();
    }

    /// <summary>Rows/s of every system, grouped by operation, dimension and client count.</summary>
    public void SaveChart(string path)
    {
        var groups = _rows.Select(r => (r.Operation, r.Dim, r.Clients)).Distinct().ToList();
        var systems = _rows.Select(r => r.System).Distinct().ToList();
        var plot = new Plot();
        plot.Title("Rows per second, 1,000-row batches (higher is better)");
        plot.YLabel("rows/s");
        var palette = new ScottPlot.Palettes.Category10();
        for (var s = 0; s < systems.Count; s++)
        {
            var bars = groups.Select((g, i) => (g, i))
                .Select(x => (x.i, m: _rows.FirstOrDefault(r => (r.Operation, r.Dim, r.Clients) == x.g && r.System == systems[s])))
                .Where(x => x.m is not null)
                .Select(x => new Bar { Position = x.i * (systems.Count + 1) + s, Value = x.m!.Result.RowsPerSecond, FillColor = palette.GetColor(s) })
                .ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = systems[s];
        }
        double[] ticks = [.. groups.Select((_, i) => i * (systems.Count + 1) + (systems.Count - 1) / 2.0)];
        string[] labels = [.. groups.Select(g => $"{g.Operation} {g.Dim}-d\n{g.Clients} client(s)")];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, labels);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, 1000, 550);
    }
}
