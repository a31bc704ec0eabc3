using System.Diagnostics;
using System.Globalization;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace StoreBench;

/// <summary>
/// Trains a fine-tune view larger than the store's memory, pass after pass, and shows the log files on disk: every
/// update of a row memory no longer holds appends a new copy, and log compaction keeps the files bounded. The named
/// peer is the bytes the same passes append to the log (what the files would hold without compaction), from the same run.
/// </summary>
public static class CompactionBench
{
    public static async Task<int> RunAsync(int passes, string? output, CancellationToken cancellationToken)
    {
        const int rows = 100_000, dim = 300, batch = 1_000, memoryMb = 64;
        var work = Directory.CreateTempSubdirectory("storebench-compaction-").FullName;
        var report = new EchoedReport();
        try
        {
            var import = Directory.CreateDirectory(Path.Combine(work, "import")).FullName;
            BigImport.Generate(Path.Combine(import, "t.bin"), rows, dim);
            var dataDir = Path.Combine(work, "store");
            await using var server = await StoreProcess.StartAsync(dataDir, import, memoryMb);
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await client.ImportFileAsync("t", "t.bin", VectorFormat.Auto, null, cancellationToken);
            await BenchSetup.CreateReadAndTrainViewsAsync(client, "t", cancellationToken);
            var ids = new List<long>();
            foreach (var chunk in Enumerable.Range(0, rows).Chunk(batch))
                ids.AddRange(await client.ResolveAsync("t-train", [.. chunk.Select(i => $"w{i}")], cancellationToken: cancellationToken));
            var gradient = Enumerable.Range(0, batch * dim).Select(i => MathF.Sin(i) * 1e-3f).ToArray();
            var logDir = Path.Combine(dataDir, "log");
            var recordBytes = FilesBytes(logDir) / (double)rows; // one imported 300-d row, as the log holds it
            // An Adadelta row of the view: the vector and two accumulators, besides the key and headers.
            var viewRecordBytes = recordBytes + 2 * dim * sizeof(float);

            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"Log compaction, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {rows:N0} x {dim} table, fine-tune view with Adadelta, --memory-mb {memoryMb} (the view's rows, about {rows * viewRecordBytes / 1e6:F0} MB, do not fit), every row pushed once per pass in {batch:N0}-row batches by one client."));
            report.Line("");
            report.Line("| after pass | log files on disk, MB | appended to the log so far (no compaction), MB | compactions so far | pass, s |");
            report.Line("|---:|---:|---:|---:|---:|");
            var appended = FilesBytes(logDir);
            for (var pass = 1; pass <= passes; pass++)
            {
                var clock = Stopwatch.StartNew();
                foreach (var chunk in ids.Chunk(batch))
                    await client.PushAsync("t-train", PushKind.Gradient, chunk, gradient.AsMemory(0, chunk.Length * dim), cancellationToken: cancellationToken);
                appended += (long)(rows * viewRecordBytes);
                report.Line(string.Create(CultureInfo.InvariantCulture,
                    $"| {pass} | {FilesBytes(logDir) / 1e6:F0} | {appended / 1e6:F0} | {server.Compactions} | {clock.Elapsed.TotalSeconds:F1} |"));
            }
            var before = FilesBytes(logDir);
            var requested = Stopwatch.StartNew();
            await client.CheckpointAsync(compact: true, cancellationToken);
            report.Line("");
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"`checkpoint --compact` at the end: {requested.Elapsed.TotalSeconds:F1} s, log files {before / 1e6:F0} -> {FilesBytes(logDir) / 1e6:F0} MB (the table and the view: about {rows * (recordBytes + viewRecordBytes) / 1e6:F0} MB)."));
            await report.WriteToAsync(output, cancellationToken);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static long FilesBytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles().Sum(f => f.Length) : 0;
}
