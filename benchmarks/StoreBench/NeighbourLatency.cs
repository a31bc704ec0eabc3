using System.Diagnostics;
using System.Globalization;
using EmbeddingStore.Client;
using VectorFormats;
using EmbeddingStore.Protos;

namespace StoreBench;

/// <summary>
/// Latency of nearest-neighbour queries over loopback on an imported table: the first query (which builds the
/// view's cache), then p50/p99 of one query at a time through a static view, and through a fine-tune view while
/// another client pushes to it (every query first re-reads the rows pushed since the last one).
/// </summary>
public static class NeighbourLatency
{
    private const int K = 10;

    public static async Task<int> RunAsync(string vectors, int queries, string? output, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("storebench-nn-").FullName;
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(vectors))!;
            await using var server = await StoreProcess.StartAsync(Path.Combine(work, "store"), folder, 1024);
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var table = await client.ImportFileAsync("t", Path.GetFileName(vectors), cancellationToken: cancellationToken);
            await client.CreateViewAsync(new ViewOptions("static") { Table = "t", Mode = TrainMode.Static }, cancellationToken);
            await client.CreateViewAsync(new ViewOptions("ft") { Table = "t", Mode = TrainMode.FineTune, Optimizer = OptimizerKind.Sgd }, cancellationToken);
            var words = FrequentTokens(vectors, 10_000);

            var lines = new List<string>
            {
                $"Neighbour queries (k = {K}) on {table.Rows:N0} x {table.Dim} rows over loopback, {queries} queries each",
                "",
                "| view | first query (builds the cache), ms | p50 ms | p99 ms |",
                "|---|---:|---:|---:|",
            };
            lines.Add(await Measure(client, "static", words, queries, cancellationToken));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pushes = 0;
            var pusher = Task.Run(async () =>
            {
                var random = new Random(5);
                var gradient = new float[50 * table.Dim];
                while (!stop.IsCancellationRequested)
                {
                    var ids = await client.ResolveAsync("ft", [.. Enumerable.Range(0, 50).Select(_ => words[random.Next(words.Count)])]);
                    for (var i = 0; i < gradient.Length; i++) gradient[i] = (float)(random.NextDouble() - 0.5) * 0.01f;
                    await client.PushAsync("ft", PushKind.Gradient, ids, gradient);
                    pushes++;
                }
            }, CancellationToken.None);
            lines.Add(await Measure(client, "fine-tune, pushes of 50 rows running", words, queries, cancellationToken, "ft"));
            stop.Cancel();
            await pusher;
            lines.Add("");
            lines.Add($"{pushes} pushes of 50 rows ran during the fine-tune measurement.");
            foreach (var line in lines) Console.WriteLine(line);
            if (output is not null) await File.WriteAllLinesAsync(output, lines, cancellationToken);
            return 0;
        }
        finally { Directory.Delete(work, true); }
    }

    private static async Task<string> Measure(EmbeddingStoreClient client, string label, List<string> words, int queries,
        CancellationToken cancellationToken, string view = "static")
    {
        var clock = Stopwatch.StartNew();
        await client.NeighboursAsync(view, "good", K, cancellationToken: cancellationToken);
        var first = clock.Elapsed.TotalMilliseconds;
        var random = new Random(11);
        var times = new double[queries];
        for (var i = 0; i < queries; i++)
        {
            clock.Restart();
            await client.NeighboursAsync(view, words[random.Next(words.Count)], K, cancellationToken: cancellationToken);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {first:F0} | {times[queries / 2]:F1} | {times[Math.Min(queries - 1, queries * 99 / 100)]:F1} |");
    }

    private static List<string> FrequentTokens(string path, int count)
    {
        using var stream = File.OpenRead(path);
        using var reader = VectorFileReader.Open(stream, VectorFormats.VectorFormat.Auto, path);
        var tokens = new List<string>();
        var vector = new float[reader.Dim];
        while (tokens.Count < count && reader.TryReadRow(out var token, vector)) tokens.Add(token);
        return tokens;
    }
}
