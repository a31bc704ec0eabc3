using System.Text.Json;
using EmbeddingStore.Client;
using Grpc.Core;
using Trainer.Data;
using Trainer.Core.Model;
using Trainer.Training;

namespace Trainer.Commands;

public sealed record TrainSettings(string Address, string Device, string Dataset, string DataDir, string? Table, string? Vectors, int Folds, int? MaxFolds,
    int RandDim, bool InProcess, string? Name, string Output, StoreCredentials Credentials, TimeSpan? CallTimeout = null);

/// <summary>What <c>predict</c> needs to use a trained model again: its views in the store and its shape.</summary>
public sealed record SavedModel(string Address, string View, string? StaticView, int Dim, string Dataset, string Variant, bool Lowercase, int FilterMax)
{
    public const string ConfigFile = "model.json";
    public const string WeightsFile = "model.bin";

    public static SavedModel Load(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) throw new DataFileException($"{path} is missing: train a model with --out {directory} first");
        return JsonSerializer.Deserialize<SavedModel>(File.ReadAllText(path)) ?? throw new DataFileException($"{path} is empty");
    }

    public void Save(string directory, ICnnBackend model)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ConfigFile), JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
        using var weights = File.Create(Path.Combine(directory, WeightsFile));
        CnnCheckpoint.Save(weights, model);
    }
}

public static class TrainCommandRunner
{
    public static async Task<int> RunAsync(TrainSettings settings, TrainingOptions options, CancellationToken cancellationToken)
    {
        return await CommandErrors.RunAsync(async () =>
        {
            var dataset = DatasetCatalog.Names.Contains(settings.Dataset.ToLowerInvariant())
                ? DatasetCatalog.Load(settings.Dataset, settings.DataDir)
                : DatasetCatalog.LoadTsv(settings.Dataset);
            using var client = new EmbeddingStoreClient(settings.Address, settings.Credentials) { CallTimeout = settings.CallTimeout };
            if (!settings.InProcess)
            {
                await client.WaitForServingAsync(TimeSpan.FromSeconds(30), cancellationToken);
                if (settings.Vectors is not null) await EnsureTableAsync(client, settings.Table, settings.Vectors, cancellationToken);
            }
            else if (settings.Vectors is null && options.Variant != Variant.Rand)
            {
                throw new ArgumentException("--in-process needs --vectors: the rows are loaded from that file");
            }
            using var device = CnnDevice.Create(settings.Device);
            foreach (var line in device.Skipped) Console.WriteLine(line);
            var (examples, splits) = TrainRun.Plan(dataset, settings.Folds, settings.MaxFolds, options);
            Console.WriteLine($"{dataset.Name}: {examples.Count} sentences, {dataset.Classes} classes, longest {dataset.MaxLength} tokens; " +
                              $"CNN-{options.Variant.Name()} on {device.Description}; {splits.Count} split(s), {options.Epochs} epochs");
            var prefix = settings.Name ?? $"{dataset.Name.ToLowerInvariant()}-{options.Variant.Name()}-{DateTime.UtcNow:yyyyMMddHHmmss}";
            var run = new TrainRun(device, options);
            var results = new List<FoldResult>();
            var progress = new ConsoleProgress(splits.Count);
            foreach (var split in splits)
            {
                await using IRowSource rows = settings.InProcess
                    ? InMemoryRowSource.FromFile(settings.Vectors, options.Variant, settings.RandDim, options.Seed + split.Fold)
                    : await StoreRowSource.CreateAsync(client, $"{prefix}-f{split.Fold}", options.Variant, settings.Table,
                        settings.RandDim, (ulong)(options.Seed + split.Fold), cancellationToken, options.CacheImmutableRows);
                var (result, model) = await run.TrainSplitAsync(dataset, examples, split, rows, progress, cancellationToken);
                using (model)
                {
                    results.Add(result);
                    var where = rows is StoreRowSource s ? $"view {s.View}" : "in-process rows";
                    Console.WriteLine($"fold {split.Fold}: best epoch {result.BestEpoch}, dev {100 * result.DevAccuracy:F1}%, test {100 * result.TestAccuracy:F1}% ({where})");
                    if (rows is StoreRowSource { CachedRows: { Hits: > 0 } cached })
                        Console.WriteLine($"fold {split.Fold}: {cached.Hits:N0} immutable rows read from the trainer's cache, {cached.Misses:N0} pulled through it");
                    // A saved model reads its rows from the store; an in-process run has nowhere to point predict at.
                    if (split == splits[^1] && rows is StoreRowSource store)
                        new SavedModel(settings.Address, store.View, store.StaticView, store.Dim, dataset.Name, options.Variant.Name(),
                            dataset.Name != "TREC", options.FilterMax).Save(settings.Output, model);
                }
            }
            var source = settings.InProcess ? $"in-process {Path.GetFileName(settings.Vectors) ?? "random"}" : settings.Table ?? $"random {settings.RandDim}-d";
            var report = new RunReport(dataset.Name, options.Variant.Name(), source, device.Description, results);
            report.Write(settings.Output);
            Console.WriteLine(report.Summary());
            Console.WriteLine($"model, results.md and curves.png written to {settings.Output}");
            return 0;
        });
    }

    private static async Task EnsureTableAsync(EmbeddingStoreClient client, string? table, string vectors, CancellationToken cancellationToken)
    {
        if (table is null) throw new ArgumentException("--vectors needs --table to name the table it fills");
        if ((await client.ListTablesAsync(cancellationToken)).Any(t => t.Name == table)) return;
        if (!File.Exists(vectors)) throw new DataFileException($"vector file {vectors} is missing");
        Console.WriteLine($"uploading {vectors} into table {table}");
        var info = await client.UploadFileAsync(table, vectors, EmbeddingStore.Protos.VectorFormat.Auto, null, cancellationToken);
        Console.WriteLine($"table {table}: {info.Rows} rows of {info.Dim} dimensions");
    }

    /// <summary>One line per epoch; within an epoch a live batch counter when the console is interactive.</summary>
    private sealed class ConsoleProgress(int folds) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Finished is { } e)
            {
                if (!Console.IsOutputRedirected) Console.Write("\r" + new string(' ', 60) + "\r");
                Console.WriteLine($"fold {p.Fold}/{folds} epoch {e.Epoch}/{p.Epochs}: loss {e.TrainLoss:F3}, train {100 * e.TrainAccuracy:F1}%, " +
                                  $"dev {100 * e.DevAccuracy:F1}%, test {100 * e.TestAccuracy:F1}%, {e.ExamplesPerSecond:F0} examples/s, " +
                                  $"waited on store {e.StoreWaitSeconds:F1} of {e.Seconds:F1} s");
            }
            else if (!Console.IsOutputRedirected)
            {
                Console.Write($"\rfold {p.Fold}/{folds} epoch {p.Epoch}/{p.Epochs}: batch {p.Batch}/{p.Batches}   ");
            }
        }
    }
}
