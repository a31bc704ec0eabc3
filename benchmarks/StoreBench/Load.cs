using System.Diagnostics;

namespace StoreBench;

/// <summary>Runs one operation from several clients for a fixed time and summarises rows/s and latency.</summary>
public static class Load
{
    /// <param name="ServerCpuSeconds">CPU time the server process used during the run; NaN when not measured.</param>
    public sealed record Result(int Clients, long Rows, double Seconds, double P50Ms, double P99Ms, double ServerCpuSeconds)
    {
        public double RowsPerSecond => Rows / Seconds;

        /// <summary>Server CPU per row: unlike rows/s, it hardly moves when other processes compete for the cores.</summary>
        public double ServerCpuMicrosPerRow => ServerCpuSeconds * 1e6 / Rows;
    }

    /// <summary>
    /// <paramref name="operation"/> handles one request of <paramref name="rowsPerRequest"/> rows; it gets the client index
    /// and a random source. <paramref name="serverCpu"/>, when given, reads the server process's CPU time.
    /// </summary>
    public static async Task<Result> RunAsync(int clients, double seconds, int rowsPerRequest, Func<int, Random, Task> operation,
        Func<TimeSpan>? serverCpu = null)
    {
        // Warm up (JIT, connections, first-touch copies) before the measured run.
        await MeasureAsync(clients, Math.Min(1, seconds / 4), rowsPerRequest, operation, serverCpu);
        return await MeasureAsync(clients, seconds, rowsPerRequest, operation, serverCpu);
    }

    private static async Task<Result> MeasureAsync(int clients, double seconds, int rowsPerRequest, Func<int, Random, Task> operation,
        Func<TimeSpan>? serverCpu)
    {
        var latencies = new List<double>[clients];
        var cpuBefore = serverCpu?.Invoke();
        var clock = Stopwatch.StartNew();
        var stopAt = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c + 1);
            var mine = latencies[c] = [];
            while (clock.Elapsed < stopAt)
            {
                var started = clock.Elapsed;
                await operation(c, random);
                mine.Add((clock.Elapsed - started).TotalMilliseconds);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = serverCpu is null ? double.NaN : (serverCpu() - cpuBefore!.Value).TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(clients, (long)all.Length * rowsPerRequest, elapsed, Percentile(all, 0.5), Percentile(all, 0.99), cpu);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)];

    /// <summary><paramref name="count"/> distinct indices below <paramref name="n"/>.</summary>
    public static int[] Distinct(Random random, int n, int count)
    {
        var chosen = new HashSet<int>();
        while (chosen.Count < count) chosen.Add(random.Next(n));
        return [.. chosen];
    }
}
