using System.Diagnostics;
using System.Globalization;
using EmbeddingStore.Client;
using VectorFormats;
using EmbeddingStore.Protos;
using FileFormat = VectorFormats.VectorFormat;

namespace StoreBench;

/// <summary>
/// Push throughput with subscribers attached: the named peer is the same push load with no subscriber, measured in
/// the same run. Each subscriber follows every row of the fine-tune view on its own channel and reads as fast as it can.
/// </summary>
public static class SubscriberBench
{
    private const int BatchRows = 1000;

    public static async Task<int> RunAsync(string vectors, double seconds, int[] pusherCounts, int[] subscriberCounts, string? output,
        CancellationToken cancellationToken)
    {
        if (!BenchSetup.VectorsExist(vectors)) return 1;
        var work = Directory.CreateTempSubdirectory("storebench-subscribers-").FullName;
        var report = new EchoedReport();
        try
        {
            var import = Directory.CreateDirectory(Path.Combine(work, "import")).FullName;
            File.Copy(vectors, Path.Combine(import, "glove-100d.bin"));
            await using var server = await StoreProcess.StartAsync(Path.Combine(work, "server"), import, memoryMb: 1024);
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var table = await client.ImportFileAsync("glove", "glove-100d.bin", EmbeddingStore.Protos.VectorFormat.Auto, null, cancellationToken);
            await client.CreateViewAsync(new CreateViewRequest { Name = "read", Table = "glove", Mode = TrainMode.Static, UnknownPolicy = UnknownPolicy.Fail }, cancellationToken);
            var ids = await client.ResolveAsync("read", ReadTokens(Path.Combine(import, "glove-100d.bin")), UnknownPolicy.Fail, cancellationToken);

            report.Line($"Subscriber benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}; " +
                 $"{table.Rows} x {table.Dim} GloVe, Adadelta pushes of {BatchRows} distinct random rows to a fresh fine-tune view, {seconds:F0} s per measurement; " +
                 "peer: the same pushes with no subscriber.");
            report.Line("");
            report.Line("| pushers | subscribers | push rows/s | / no subscriber | rows received per subscriber / rows pushed | last push to all caught up, ms |");
            report.Line("|---:|---:|---:|---:|---:|---:|");
            foreach (var pushers in pusherCounts)
            {
                double? alone = null;
                foreach (var subscribers in subscriberCounts)
                {
                    var view = $"train-{pushers}-{subscribers}";
                    await client.CreateViewAsync(new CreateViewRequest
                    {
                        Name = view,
                        Table = "glove",
                        Mode = TrainMode.FineTune,
                        UnknownPolicy = UnknownPolicy.Fail,
                        Optimizer = new OptimizerConfig { Kind = OptimizerKind.Adadelta },
                    }, cancellationToken);
                    await using var followers = await Followers.StartAsync(server.Address, view, subscribers, cancellationToken);
                    var gradient = Enumerable.Range(0, BatchRows * table.Dim).Select(i => (float)Math.Sin(i) * 1e-3f).ToArray();
                    long lastVersion = 0, pushed = 0;
                    var load = await Load.RunAsync(pushers, seconds, BatchRows, async (_, random) =>
                    {
                        var reply = await client.PushAsync(view, PushKind.Gradient, Load.Distinct(random, ids.Length, BatchRows).Select(i => ids[i]).ToArray(),
                            gradient, cancellationToken: cancellationToken);
                        InterlockedMax(ref lastVersion, reply.Version);
                        Interlocked.Add(ref pushed, BatchRows);
                    });
                    var lag = await followers.WaitForVersionAsync(Interlocked.Read(ref lastVersion));
                    alone ??= load.RowsPerSecond;
                    report.Line(string.Create(CultureInfo.InvariantCulture,
                        $"| {pushers} | {subscribers} | {load.RowsPerSecond:N0} | {load.RowsPerSecond / alone.Value:F2} | {(subscribers == 0 ? "-" : (followers.RowsPerSubscriber / pushed).ToString("F2", CultureInfo.InvariantCulture))} | {(subscribers == 0 ? "-" : lag.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture))} |"));
                }
            }
            await report.WriteToAsync(output, cancellationToken);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value > seen; seen = Interlocked.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    private static List<string> ReadTokens(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = VectorFileReader.Open(stream, FileFormat.Auto, path);
        var tokens = new List<string>();
        var vector = new float[reader.Dim];
        while (reader.TryReadRow(out var token, vector)) tokens.Add(token);
        return tokens;
    }

    /// <summary>Subscribers reading as fast as they can, each on its own channel, counting rows and the latest version seen.</summary>
    private sealed class Followers : IAsyncDisposable
    {
        private readonly List<EmbeddingStoreClient> _clients = [];
        private readonly List<Task> _readers = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly long[] _versions;
        private long _rows;

        private Followers(int count) => _versions = new long[count];

        public static async Task<Followers> StartAsync(string address, string view, int count, CancellationToken cancellationToken)
        {
            var followers = new Followers(count);
            var caughtUp = new List<Task>();
            for (var i = 0; i < count; i++)
            {
                var index = i;
                var client = new EmbeddingStoreClient(address);
                followers._clients.Add(client);
                var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                caughtUp.Add(ready.Task);
                followers._readers.Add(Task.Run(async () =>
                {
                    try
                    {
                        await foreach (var changes in client.SubscribeAsync(view, cancellationToken: followers._stop.Token))
                        {
                            Interlocked.Add(ref followers._rows, changes.Tokens.Length);
                            Volatile.Write(ref followers._versions[index], changes.Version);
                            if (changes.CaughtUp) ready.TrySetResult();
                        }
                    }
                    catch (Exception) when (followers._stop.IsCancellationRequested) { }
                }, cancellationToken));
            }
            await Task.WhenAll(caughtUp).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            Interlocked.Exchange(ref followers._rows, 0);
            return followers;
        }

        /// <summary>Rows received since the subscribers caught up, per subscriber: below the rows pushed where changes were coalesced.</summary>
        public double RowsPerSubscriber => _versions.Length == 0 ? 0 : Interlocked.Read(ref _rows) / (double)_versions.Length;

        /// <summary>Waits until every subscriber has seen <paramref name="version"/>; returns how long that took.</summary>
        public async Task<TimeSpan> WaitForVersionAsync(long version)
        {
            var clock = Stopwatch.StartNew();
            while (_versions.Any(v => v < version))
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"subscribers did not reach version {version}");
                await Task.Delay(1);
            }
            return clock.Elapsed;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_readers);
            foreach (var client in _clients) client.Dispose();
            _stop.Dispose();
        }
    }
}
