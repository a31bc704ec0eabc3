using System.Diagnostics;
using System.Globalization;
using EmbeddingStore.Client;
using VectorFormats;
using FileFormat = VectorFormats.VectorFormat;
using EmbeddingStore.Protos;
using Core = EmbeddingStore.Core;

namespace StoreBench;

/// <summary>
/// The store over gRPC on loopback, against the named peer "in-process core": the same storage code
/// called directly, measured in the same run. Their ratio is what the network layer costs.
/// </summary>
public static class Bench
{
    private const int BatchRows = 1000;

    public static async Task<int> RunAsync(string vectors, double seconds, int[] clientCounts, string? output, CancellationToken cancellationToken)
    {
        if (!BenchSetup.VectorsExist(vectors)) return 1;
        var work = Directory.CreateTempSubdirectory("storebench-").FullName;
        var report = new EchoedReport();
        try
        {
            var import = Directory.CreateDirectory(Path.Combine(work, "import")).FullName;
            File.Copy(vectors, Path.Combine(import, "glove-100d.bin"));
            var synthetic = Path.Combine(import, "synthetic-300d.bin");
            WriteSynthetic(synthetic, rows: 100_000, dim: 300);

            await using var server = await StoreProcess.StartAsync(Path.Combine(work, "server"), import, memoryMb: 1024);
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await using var core = await BenchSetup.OpenCoreAsync(Path.Combine(work, "core"), 1L << 30, cancellationToken);

            report.Line($"Store benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}; " +
                 $"peer: the same core in-process (no gRPC). Batches of {BatchRows} distinct rows, {seconds:F0} s per measurement.");
            report.Line("");
            report.Line("| measurement | store over gRPC | in-process core | store / core |");
            report.Line("|---|---:|---:|---:|");
            foreach (var (table, file) in new[] { ("glove100", "glove-100d.bin"), ("synth300", "synthetic-300d.bin") })
            {
                var path = Path.Combine(import, file);
                var megabytes = new FileInfo(path).Length / 1e6;
                var before = server.ResidentBytes;
                var clock = Stopwatch.StartNew();
                var info = await client.ImportFileAsync(table, file, EmbeddingStore.Protos.VectorFormat.Auto, null, cancellationToken);
                var grpcImport = clock.Elapsed.TotalSeconds;
                var perRow = (server.ResidentBytes - before) / (double)info.Rows;
                clock.Restart();
                await using (var stream = File.OpenRead(path))
                    await core.ImportAsync(table, stream, FileFormat.Auto, file, stream.Length, null, cancellationToken);
                var coreImport = clock.Elapsed.TotalSeconds;
                report.Line(Row($"import {file} ({megabytes:F0} MB, {info.Rows} x {info.Dim}), MB/s", megabytes / grpcImport, megabytes / coreImport));
                report.Line($"| memory per row after import, {table}: resident {perRow:F0} B, log {info.StoredBytes / (double)info.Rows:F0} B | | | |");

                var tokens = ReadTokens(path);
                await BenchSetup.CreateReadAndTrainViewsAsync(client, table, cancellationToken);
                BenchSetup.CreateReadAndTrainViews(core, table);
                var grpcIds = await client.ResolveAsync(table + "-read", tokens, UnknownPolicy.Fail, cancellationToken);
                var coreIds = core.Resolve(table + "-read", tokens, Core.UnknownPolicy.Fail).Ids;
                var dim = info.Dim;
                foreach (var clients in clientCounts)
                {
                    var buffers = Enumerable.Range(0, clients).Select(_ => new float[BatchRows * dim]).ToArray();
                    var metas = Enumerable.Range(0, clients).Select(_ => new Core.RowMeta[BatchRows]).ToArray();
                    var grpcPull = await Load.RunAsync(clients, seconds, BatchRows, (c, random) =>
                        client.PullAsync(table + "-read", Pick(grpcIds, random), buffers[c], cancellationToken));
                    var corePull = await Load.RunAsync(clients, seconds, BatchRows, (c, random) =>
                    {
                        core.Pull(table + "-read", Pick(coreIds, random), buffers[c], metas[c]);
                        return Task.CompletedTask;
                    });
                    report.Line(Row($"pull {dim}-d, {clients} client(s), rows/s", grpcPull.RowsPerSecond, corePull.RowsPerSecond));
                    report.Line(Row($"pull {dim}-d, {clients} client(s), MB/s", grpcPull.RowsPerSecond * dim * 4 / 1e6, corePull.RowsPerSecond * dim * 4 / 1e6));
                    report.Line(Row($"pull {dim}-d, {clients} client(s), p50 / p99 ms", grpcPull.P50Ms, corePull.P50Ms, grpcPull.P99Ms, corePull.P99Ms));

                    var gradient = Enumerable.Range(0, BatchRows * dim).Select(i => (float)Math.Sin(i) * 1e-3f).ToArray();
                    var grpcPush = await Load.RunAsync(clients, seconds, BatchRows, (_, random) =>
                        client.PushAsync(table + "-train", PushKind.Gradient, Pick(grpcIds, random), gradient, cancellationToken: cancellationToken));
                    var corePush = await Load.RunAsync(clients, seconds, BatchRows, async (_, random) =>
                        await core.PushAsync(table + "-train", Core.PushKind.Gradient, Pick(coreIds, random), gradient, false, false, cancellationToken));
                    report.Line(Row($"push {dim}-d Adadelta, {clients} client(s), rows/s", grpcPush.RowsPerSecond, corePush.RowsPerSecond));
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

    private static long[] Pick(long[] ids, Random random) => [.. Load.Distinct(random, ids.Length, BatchRows).Select(i => ids[i])];

    private static string Row(string what, double store, double core) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {store:N0} | {core:N0} | {store / core:F2} |");

    private static string Row(string what, double store50, double core50, double store99, double core99) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {store50:F2} / {store99:F2} | {core50:F2} / {core99:F2} | {store50 / core50:F2} |");

    internal static List<string> ReadTokens(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = VectorFileReader.Open(stream, FileFormat.Auto, path);
        var tokens = new List<string>();
        var vector = new float[reader.Dim];
        while (reader.TryReadRow(out var token, vector)) tokens.Add(token);
        return tokens;
    }

    internal static void WriteSynthetic(string path, int rows, int dim)
    {
        var random = new Random(300);
        using var stream = File.Create(path);
        using var writer = VectorFileWriter.Create(stream, binary: true, rows, dim);
        var vector = new float[dim];
        for (var r = 0; r < rows; r++)
        {
            for (var d = 0; d < dim; d++) vector[d] = (float)(random.NextDouble() - 0.5);
            writer.WriteRow($"tok{r}", vector);
        }
    }
}
