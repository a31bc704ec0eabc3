using System.CommandLine;
using EmbeddingStore.Client;
using Trainer.Training;

namespace Trainer.Commands;

/// <summary>The trainer's command line: <c>train</c>, <c>predict</c> and <c>bench</c>.</summary>
public static class TrainerCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Kim (2014) CNN sentence classifier, trained on rows of the embedding store");
        root.Add(TrainCommand());
        root.Add(PredictCommand.Build());
        root.Add(BenchCommand.Build());
        return root;
    }

    public static Option<string> AddressOption() => new("--address")
    {
        Description = "The store's address",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EMBSTORE_ADDRESS") ?? "http://127.0.0.1:5191",
    };

    public static Option<string?> ApiKeyOption() => new("--api-key")
    {
        Description = "API key for a store that requires one (default: $EMBSTORE_API_KEY)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EMBSTORE_API_KEY") is { Length: > 0 } env ? env : null,
    };

    public static Option<string?> CaCertOption() => new("--ca-cert")
    {
        Description = "PEM CA certificate for an https:// store whose certificate is not publicly trusted (default: $EMBSTORE_CA_CERT)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EMBSTORE_CA_CERT") is { Length: > 0 } env ? env : null,
    };

    public static Option<double> CallTimeoutOption() => new("--call-timeout")
    {
        Description = "Seconds each call to the store (pull, push, resolve...) may take before it fails with DeadlineExceeded " +
                      "instead of waiting on; 0 waits as long as it takes",
        DefaultValueFactory = _ => 120,
    };

    /// <summary>The <see cref="CallTimeoutOption"/> as the client takes it: null for none.</summary>
    public static TimeSpan? CallTimeout(double seconds) => seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;

    public static Option<string> DeviceOption() => new("--device")
    {
        Description = "cpu (SIMD kernels), cuda, opencl, ilgpu-cpu (ILGPU's CPU accelerator, for testing) or auto (CUDA, then OpenCL, then cpu)",
        DefaultValueFactory = _ => "auto",
    };

    private static Command TrainCommand()
    {
        var address = AddressOption();
        var apiKey = ApiKeyOption();
        var caCert = CaCertOption();
        var callTimeout = CallTimeoutOption();
        var device = DeviceOption();
        var dataset = new Option<string>("--dataset") { Description = "mr, sst2, trec, or a TSV file of label<TAB>sentence", DefaultValueFactory = _ => "mr" };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder holding the dataset files", DefaultValueFactory = _ => "../shared/data/sentences" };
        var table = new Option<string?>("--table") { Description = "Store table of pretrained vectors (not needed for rand)" };
        var vectors = new Option<string?>("--vectors") { Description = "A vector file to upload into --table first, if the store has no such table" };
        var variant = new Option<string>("--variant") { Description = "rand, static, non-static, multichannel or overlay", DefaultValueFactory = _ => "non-static" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 25 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 50 };
        var maps = new Option<int>("--feature-maps") { DefaultValueFactory = _ => 100 };
        var windows = new Option<string>("--windows") { DefaultValueFactory = _ => "3,4,5" };
        var dropout = new Option<float>("--dropout") { DefaultValueFactory = _ => 0.5f };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds for datasets without a test set", DefaultValueFactory = _ => 10 };
        var maxFolds = new Option<int?>("--max-folds") { Description = "Run only the first N folds" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var randDim = new Option<int>("--rand-dim") { Description = "Vector size for CNN-rand", DefaultValueFactory = _ => 100 };
        var inProcess = new Option<bool>("--in-process") { Description = "Keep the rows in this process (loaded from --vectors) instead of the store: the baseline for the store's overhead" };
        var syncPush = new Option<bool>("--sync-push") { Description = "Await each step's whole push and pull shared rows again, instead of overlapping pushes with the next step (same result; the baseline for the overlap's gain)" };
        var noRowCache = new Option<bool>("--no-row-cache") { Description = "Pull every row of every batch, instead of keeping the rows the store marks immutable (frozen pretrained rows) and pulling each once (same result; the baseline for the cache's gain)" };
        var name = new Option<string?>("--name") { Description = "Prefix of the views this run creates (default: dataset-variant-time)" };
        var output = new Option<string>("--out") { Description = "Folder for the model, results and training curves", DefaultValueFactory = _ => "runs/latest" };

        var command = new Command("train", "Train on a dataset, cross-validated or on its splits, and report accuracy")
        {
            address, apiKey, caCert, callTimeout, device, dataset, dataDir, table, vectors, variant, epochs, batch, maps, windows, dropout, folds, maxFolds, seed, randDim, inProcess, syncPush, noRowCache, name, output,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new TrainingOptions
            {
                Variant = Variants.Parse(parse.GetValue(variant)!),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                FeatureMaps = parse.GetValue(maps),
                Windows = [.. parse.GetValue(windows)!.Split(',').Select(int.Parse)],
                Dropout = parse.GetValue(dropout),
                Seed = parse.GetValue(seed),
                OverlapPushes = !parse.GetValue(syncPush),
                CacheImmutableRows = !parse.GetValue(noRowCache),
            };
            var settings = new TrainSettings(parse.GetValue(address)!, parse.GetValue(device)!, parse.GetValue(dataset)!, parse.GetValue(dataDir)!,
                parse.GetValue(table), parse.GetValue(vectors), parse.GetValue(folds), parse.GetValue(maxFolds), parse.GetValue(randDim), parse.GetValue(inProcess), parse.GetValue(name), parse.GetValue(output)!,
                new StoreCredentials(parse.GetValue(apiKey), parse.GetValue(caCert)), CallTimeout(parse.GetValue(callTimeout)));
            return TrainCommandRunner.RunAsync(settings, options, cancellationToken);
        });
        return command;
    }
}
