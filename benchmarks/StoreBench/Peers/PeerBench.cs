using System.Diagnostics;
using EmbeddingStore.Client;
using VectorFormats;
using EmbeddingStore.Protos;
using FileFormat = VectorFormats.VectorFormat;
using Core = EmbeddingStore.Core;

namespace StoreBench.Peers;

/// <summary>What the peer comparison is asked to run.</summary>
public sealed record PeerOptions(
    string Vectors,
    double Seconds,
    int[] Clients,
    string? Redis,
    int? RedisPid,
    string? Garnet,
    int? GarnetPid,
    string Python,
    int ImportRows,
    bool Imports,
    string Results,
    string? Chart);

/// <summary>
/// The store against Redis, Garnet, a plain loopback TCP copy and gensim, in one run: the same rows,
/// the same 1,000-row batches, the same client counts and durations; each client owns one connection.
/// </summary>
public static class PeerBench
{
    private const int BatchRows = 1000;
    private const int StoreMemoryMb = 512;

    /// <summary>The log memory of the store (server and in-process core) whose pulls and pushes are measured.</summary>
    private const int RowsMemoryMb = 1024;

    public static async Task<int> RunAsync(PeerOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(options.Vectors))
        {
            Console.Error.WriteLine($"vector file {options.Vectors} is missing (pass --vectors)");
            return 1;
        }
        var peers = new List<RedisPeer>();
        if (options.Redis is not null) peers.Add(new RedisPeer("Redis", options.Redis, options.RedisPid));
        if (options.Garnet is not null) peers.Add(new RedisPeer("Garnet", options.Garnet, options.GarnetPid));
        var work = Directory.CreateTempSubdirectory("peerbench-").FullName;
        var report = new BenchReport(BatchRows, options.Seconds);
        var total = Stopwatch.StartNew();
        try
        {
            var import = Directory.CreateDirectory(Path.Combine(work, "import")).FullName;
            File.Copy(options.Vectors, Path.Combine(import, "glove-100d.bin"));
            Bench.WriteSynthetic(Path.Combine(import, "synthetic-300d.bin"), rows: 100_000, dim: 300);

            foreach (var clients in options.Clients)
            {
                report.Loopback[clients] = await LoopbackCopy.MegabytesPerSecondAsync(clients, Math.Min(3, options.Seconds), cancellationToken);
                Console.WriteLine($"loopback copy, {clients} connection(s): {report.Loopback[clients]:F0} MB/s");
            }

            report.DiskWrite = await DiskWrite.MegabytesPerSecondAsync(work, DiskWriteBytes, cancellationToken);
            Console.WriteLine($"disk write, {DiskWriteBytes >> 20} MiB: {report.DiskWrite:F0} MB/s");

            await using (var server = await StoreProcess.StartAsync(Path.Combine(work, "server"), import, memoryMb: RowsMemoryMb))
            await using (var core = await BenchSetup.OpenCoreAsync(Path.Combine(work, "core"), (long)RowsMemoryMb << 20, cancellationToken))
            {
                using var admin = new EmbeddingStoreClient(server.Address);
                await admin.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
                foreach (var (table, file) in new[] { ("glove100", "glove-100d.bin"), ("synth300", "synthetic-300d.bin") })
                    await CompareRowsAsync(server, admin, core, peers, table, Path.Combine(import, file), options, report, cancellationToken);
            }

            if (options.Imports)
            {
                await CompareImportAsync("glove-6b-100d-top100k.bin", options.Vectors, binary: true, work, options.Python, report, cancellationToken);
                // GloVe and fastText are published as text: the same table as a word2vec text file (written here).
                var text = Path.Combine(import, "glove-100d.txt");
                WriteText(options.Vectors, text);
                await CompareImportAsync("glove-6b-100d-top100k as word2vec text", text, binary: false, work, options.Python, report, cancellationToken);
                File.Delete(text);
            }
            if (options.Imports && options.ImportRows > 0)
            {
                var big = Path.Combine(import, "generated-300d.bin");
                var clock = Stopwatch.StartNew();
                BigImport.Generate(big, options.ImportRows, 300);
                Console.WriteLine($"generated {options.ImportRows:N0} x 300 in {clock.Elapsed.TotalSeconds:F0} s");
                await CompareImportAsync($"generated {options.ImportRows:N0} x 300", big, binary: true, work, options.Python, report, cancellationToken);
                File.Delete(big);
            }

            report.TotalSeconds = total.Elapsed.TotalSeconds;
            await File.WriteAllTextAsync(options.Results, report.Markdown(), cancellationToken);
            Console.WriteLine($"wrote {options.Results}");
            if (options.Chart is not null)
            {
                report.SaveChart(options.Chart);
                Console.WriteLine($"wrote {options.Chart}");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Pull and push of one table: the store and each peer, for every client count.</summary>
    private static async Task CompareRowsAsync(StoreProcess server, EmbeddingStoreClient admin, Core.Store core, List<RedisPeer> peers,
        string table, string path, PeerOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        await admin.ImportFileAsync(table, Path.GetFileName(path), EmbeddingStore.Protos.VectorFormat.Auto, null, cancellationToken);
        var (tokens, rows, dim) = ReadTable(path);
        await BenchSetup.CreateReadAndTrainViewsAsync(admin, table, cancellationToken);
        var ids = await admin.ResolveAsync(table + "-read", tokens, UnknownPolicy.Fail, cancellationToken);
        var coreIds = await ImportIntoCoreAsync(core, table, path, tokens, cancellationToken);
        foreach (var peer in peers) await peer.LoadAsync(table, rows, dim, cancellationToken);
        var update = Enumerable.Range(0, BatchRows * dim).Select(i => (float)Math.Sin(i) * 1e-3f).ToArray();

        foreach (var clients in options.Clients)
        {
            var stores = Enumerable.Range(0, clients).Select(_ => new EmbeddingStoreClient(server.Address)).ToArray();
            var floats = Enumerable.Range(0, clients).Select(_ => new float[BatchRows * dim]).ToArray();
            try
            {
                report.Add("pull", dim, clients, "store", await Load.RunAsync(clients, options.Seconds, BatchRows, (c, random) =>
                    stores[c].PullAsync(table + "-read", Pick(ids, random), floats[c], cancellationToken), () => server.CpuTime));
                report.Add("push", dim, clients, "store", await Load.RunAsync(clients, options.Seconds, BatchRows, (c, random) =>
                    stores[c].PushAsync(table + "-train", PushKind.Gradient, Pick(ids, random), update, cancellationToken: cancellationToken),
                    () => server.CpuTime));
            }
            finally
            {
                foreach (var s in stores) s.Dispose();
            }
            var metas = Enumerable.Range(0, clients).Select(_ => new Core.RowMeta[BatchRows]).ToArray();
            report.Add("pull", dim, clients, CoreSystem, await Load.RunAsync(clients, options.Seconds, BatchRows, (c, random) =>
            {
                core.Pull(table + "-read", Pick(coreIds, random), floats[c], metas[c]);
                return Task.CompletedTask;
            }, ProcessCpu));
            report.Add("push", dim, clients, CoreSystem, await Load.RunAsync(clients, options.Seconds, BatchRows, async (_, random) =>
                await core.PushAsync(table + "-train", Core.PushKind.Gradient, Pick(coreIds, random), update, false, false, cancellationToken),
                ProcessCpu));
            foreach (var peer in peers)
            {
                var connections = new List<RedisPeer.Client>();
                for (var c = 0; c < clients; c++) connections.Add(await peer.ConnectAsync(table, ids.Length, dim, cancellationToken));
                var bytes = Enumerable.Range(0, clients).Select(_ => new byte[BatchRows * dim * sizeof(float)]).ToArray();
                try
                {
                    report.Add("pull", dim, clients, peer.Name, await Load.RunAsync(clients, options.Seconds, BatchRows, (c, random) =>
                        connections[c].PullAsync(Load.Distinct(random, ids.Length, BatchRows), bytes[c], cancellationToken), peer.CpuTime));
                    report.Add("push", dim, clients, peer.Name, await Load.RunAsync(clients, options.Seconds, BatchRows, (c, random) =>
                        connections[c].PushAsync(Load.Distinct(random, ids.Length, BatchRows), update, cancellationToken), peer.CpuTime));
                }
                finally
                {
                    foreach (var connection in connections) await connection.DisposeAsync();
                }
            }
        }
    }

    /// <summary>How the in-process core's rows are named in the results.</summary>
    public const string CoreSystem = "store core, in-process";

    private const long DiskWriteBytes = 1L << 30;

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static async Task<long[]> ImportIntoCoreAsync(Core.Store core, string table, string path, List<string> tokens,
        CancellationToken cancellationToken)
    {
        await using (var stream = File.OpenRead(path))
            await core.ImportAsync(table, stream, FileFormat.Auto, Path.GetFileName(path), stream.Length, null, cancellationToken);
        BenchSetup.CreateReadAndTrainViews(core, table);
        return core.Resolve(table + "-read", tokens, Core.UnknownPolicy.Fail).Ids;
    }

    /// <summary>Files smaller than this are also imported a second time into the same process.</summary>
    private const double SecondImportBelowMb = 1000;

    /// <summary>
    /// The store's ImportFile in a fresh server process (and, for small files, again into the same process)
    /// against gensim's loader, on the same file.
    /// </summary>
    private static async Task CompareImportAsync(string label, string file, bool binary, string work, string python, BenchReport report,
        CancellationToken cancellationToken)
    {
        var megabytes = new FileInfo(file).Length / 1e6;
        // Both readers find the file in the page cache: neither pays for the disk the other warmed.
        await using (var warm = File.OpenRead(file)) await warm.CopyToAsync(Stream.Null, cancellationToken);
        var import = Path.GetDirectoryName(file)!;
        var dataDir = Path.Combine(work, "import-store-" + Guid.NewGuid().ToString("N"));
        await using (var server = await StoreProcess.StartAsync(dataDir, import, StoreMemoryMb))
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var cpu = server.CpuTime;
            var clock = Stopwatch.StartNew();
            var info = await client.ImportFileAsync("imported", Path.GetFileName(file), EmbeddingStore.Protos.VectorFormat.Auto, null, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            report.AddImport(label, $"store (--memory-mb {StoreMemoryMb})", megabytes, seconds, (server.CpuTime - cpu).TotalSeconds, server.PeakResidentBytes, info.Rows);
            Console.WriteLine($"store import {label}: {megabytes / seconds:F0} MB/s, peak {server.PeakResidentBytes / 1e6:F0} MB");
            if (megabytes < SecondImportBelowMb)
            {
                // A store is a long-running service: its next import has its code compiled and its first, full
                // checkpoint (hash index and all) behind it.
                cpu = server.CpuTime;
                clock.Restart();
                info = await client.ImportFileAsync("imported-again", Path.GetFileName(file), EmbeddingStore.Protos.VectorFormat.Auto, null, cancellationToken);
                seconds = clock.Elapsed.TotalSeconds;
                report.AddImport(label, "store, a second table in the same process", megabytes, seconds, (server.CpuTime - cpu).TotalSeconds, server.PeakResidentBytes, info.Rows);
                Console.WriteLine($"store second import {label}: {megabytes / seconds:F0} MB/s");
            }
        }
        Directory.Delete(dataDir, recursive: true);
        var gensim = await GensimImport.RunAsync(python, file, binary, cancellationToken);
        if (gensim is null) return;
        report.AddImport(label, $"{BenchReport.GensimSystem} 4 load_word2vec_format", megabytes, gensim.Seconds, gensim.CpuSeconds, gensim.PeakBytes, gensim.Rows);
        Console.WriteLine($"gensim import {label}: {megabytes / gensim.Seconds:F0} MB/s, peak {gensim.PeakBytes / 1e6:F0} MB");
    }

    private static long[] Pick(long[] ids, Random random) => [.. Load.Distinct(random, ids.Length, BatchRows).Select(i => ids[i])];

    /// <summary>Writes the table in <paramref name="source"/> as a word2vec text file.</summary>
    private static void WriteText(string source, string destination)
    {
        var (tokens, rows, dim) = ReadTable(source);
        using var stream = File.Create(destination);
        using var writer = VectorFileWriter.Create(stream, binary: false, tokens.Count, dim);
        for (var i = 0; i < tokens.Count; i++) writer.WriteRow(tokens[i], rows.AsSpan(i * dim, dim));
    }

    private static (List<string> Tokens, float[] Rows, int Dim) ReadTable(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = VectorFileReader.Open(stream, FileFormat.Auto, path);
        var tokens = new List<string>();
        var rows = new List<float>();
        var vector = new float[reader.Dim];
        while (reader.TryReadRow(out var token, vector))
        {
            tokens.Add(token);
            rows.AddRange(vector);
        }
        return (tokens, [.. rows], reader.Dim);
    }
}
