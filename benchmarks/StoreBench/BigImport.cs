using System.Diagnostics;
using System.Globalization;
using EmbeddingStore.Client;
using VectorFormats;

namespace StoreBench;

/// <summary>
/// Imports a generated GoogleNews-sized file (3M x 300 float32, 3.6 GB) into a store with 512 MB of log
/// memory, sampling the server's resident memory, to show that an import is bounded by the store's
/// budget and not by the file.
/// </summary>
public static class BigImport
{
    public static async Task<int> RunAsync(int rows, string? output, CancellationToken cancellationToken)
    {
        const int dim = 300, memoryMb = 512;
        var work = Directory.CreateTempSubdirectory("storebench-big-").FullName;
        try
        {
            var import = Directory.CreateDirectory(Path.Combine(work, "import")).FullName;
            var file = Path.Combine(import, "big.bin");
            var clock = Stopwatch.StartNew();
            Generate(file, rows, dim);
            var gigabytes = new FileInfo(file).Length / 1e9;
            Console.WriteLine($"generated {rows} x {dim} ({gigabytes:F2} GB) in {clock.Elapsed.TotalSeconds:F0} s");

            await using var server = await StoreProcess.StartAsync(Path.Combine(work, "store"), import, memoryMb);
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var before = server.ResidentBytes;
            long peak = before;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, server.ResidentBytes);
                    await Task.Delay(200);
                }
            });
            clock.Restart();
            var info = await client.ImportFileAsync("big", "big.bin", EmbeddingStore.Protos.VectorFormat.Auto, null, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            sampling.Cancel();
            await sampler;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"| import {info.Rows:N0} x {info.Dim} ({gigabytes:F2} GB), --memory-mb {memoryMb} | {gigabytes * 1000 / seconds:F0} MB/s | {seconds:F0} s | resident {before / 1e6:F0} MB before, peak {peak / 1e6:F0} MB |");
            Console.WriteLine(line);
            if (output is not null) await File.AppendAllTextAsync(output, line + Environment.NewLine, cancellationToken);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    internal static void Generate(string path, int rows, int dim)
    {
        var random = new Random(3);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = VectorFileWriter.Create(stream, binary: true, rows, dim);
        var vector = new float[dim];
        for (var r = 0; r < rows; r++)
        {
            for (var d = 0; d < dim; d++) vector[d] = random.NextSingle() - 0.5f;
            writer.WriteRow($"w{r}", vector);
        }
    }
}
