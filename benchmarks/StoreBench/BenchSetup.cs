using System.Text;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Microsoft.Extensions.Logging.Abstractions;
using Core = EmbeddingStore.Core;

namespace StoreBench;

/// <summary>What the benchmarks share: the input check, the echoed report, and the views they measure through.</summary>
public static class BenchSetup
{
    /// <summary>False, after saying so, when the vector file to benchmark on is missing.</summary>
    public static bool VectorsExist(string vectors)
    {
        if (File.Exists(vectors)) return true;
        Console.Error.WriteLine($"vector file {vectors} is missing (pass --vectors)");
        return false;
    }

    /// <summary>
    /// Two views over <paramref name="table"/>: <c>{table}-read</c> (static) to pull through and
    /// <c>{table}-train</c> (fine-tune, Adadelta) to push through; both refuse unknown tokens.
    /// </summary>
    public static async Task CreateReadAndTrainViewsAsync(EmbeddingStoreClient client, string table, CancellationToken cancellationToken)
    {
        await client.CreateViewAsync(new CreateViewRequest { Name = table + "-read", Table = table, Mode = TrainMode.Static, UnknownPolicy = UnknownPolicy.Fail }, cancellationToken);
        await client.CreateViewAsync(new CreateViewRequest
        {
            Name = table + "-train",
            Table = table,
            Mode = TrainMode.FineTune,
            UnknownPolicy = UnknownPolicy.Fail,
            Optimizer = new OptimizerConfig { Kind = OptimizerKind.Adadelta },
        }, cancellationToken);
    }

    /// <summary>
    /// The store's storage core opened in the benchmark's own process, durable like the server (write-ahead log,
    /// checkpoints when its log outgrows the store's), with no periodic checkpoints, no gRPC and no serialisation.
    /// </summary>
    public static Task<Core.Store> OpenCoreAsync(string dataDir, long memoryBytes, CancellationToken cancellationToken) =>
        Core.Store.OpenAsync(new Core.StoreOptions
        {
            DataDir = dataDir,
            MemoryBudgetBytes = memoryBytes,
            CheckpointInterval = TimeSpan.Zero,
        }, NullLoggerFactory.Instance, cancellationToken);

    /// <summary>The views of <see cref="CreateReadAndTrainViewsAsync"/> on the in-process core (Adadelta is the core's default).</summary>
    public static void CreateReadAndTrainViews(Core.Store core, string table)
    {
        core.CreateView(new Core.ViewSpec(table + "-read", table, null, Core.TrainMode.Static, Core.UnknownPolicy.Fail));
        core.CreateView(new Core.ViewSpec(table + "-train", table, null, Core.TrainMode.FineTune, Core.UnknownPolicy.Fail));
    }
}

/// <summary>Lines printed as they come and kept, to write the whole report to a file at the end.</summary>
public sealed class EchoedReport
{
    private readonly StringBuilder _text = new();

    public void Line(string text)
    {
        Console.WriteLine(text);
        _text.AppendLine(text);
    }

    /// <summary>Writes the lines so far to <paramref name="path"/>, when one is given.</summary>
    public Task WriteToAsync(string? path, CancellationToken cancellationToken) =>
        path is null ? Task.CompletedTask : File.WriteAllTextAsync(path, _text.ToString(), cancellationToken);
}
