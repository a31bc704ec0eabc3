using System.CommandLine;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Grpc.Core;
using Trainer.Data;
using Trainer.Core.Model;
using Trainer.Training;

namespace Trainer.Commands;

/// <summary><c>predict</c>: classifies sentences with a saved model, reading its rows from the store.</summary>
public static class PredictCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Folder written by train --out", DefaultValueFactory = _ => "runs/latest" };
        var address = new Option<string?>("--address") { Description = "The store's address (default: the one the model was trained with)" };
        var apiKey = TrainerCli.ApiKeyOption();
        var caCert = TrainerCli.CaCertOption();
        var callTimeout = TrainerCli.CallTimeoutOption();
        var device = TrainerCli.DeviceOption();
        var sentences = new Argument<string[]>("sentences") { Description = "Sentences to classify (default: one per line on standard input)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("predict", "Classify sentences with a trained model") { model, address, apiKey, caCert, callTimeout, device, sentences };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(model)!, parse.GetValue(address),
            new StoreCredentials(parse.GetValue(apiKey), parse.GetValue(caCert)), TrainerCli.CallTimeout(parse.GetValue(callTimeout)), parse.GetValue(device)!,
            parse.GetValue(sentences) ?? [], cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string directory, string? address, StoreCredentials credentials, TimeSpan? callTimeout, string deviceOption, string[] sentences, CancellationToken cancellationToken)
    {
        return await CommandErrors.RunAsync(async () =>
        {
            var saved = SavedModel.Load(directory);
            if (sentences.Length == 0) sentences = [.. ReadStdin()];
            using var client = new EmbeddingStoreClient(address ?? saved.Address, credentials) { CallTimeout = callTimeout };
            using var device = CnnDevice.Create(deviceOption);
            await using var weights = File.OpenRead(Path.Combine(directory, SavedModel.WeightsFile));
            using var cnn = device.Load(weights);
            var rows = StoreRowSource.Open(client, saved.View, saved.StaticView, saved.Dim);
            var tokens = sentences.Select(s => Tokenizer.CleanStr(s, saved.Lowercase)).ToList();
            var ids = await KnownIdsAsync(client, saved.View, tokens.SelectMany(t => t).Distinct().ToList(), cancellationToken);
            var examples = tokens.Select(t => new Example(t, 0)).ToList();
            var batch = Batcher.Build(examples, [.. Enumerable.Range(0, examples.Count)], t => ids[t], cnn.Config.Positions, saved.FilterMax, rows.PadId);
            var feeder = new BatchFeeder(rows);
            var prepared = await feeder.WaitAsync(feeder.Prepare(batch, null, cancellationToken));
            var probabilities = cnn.Probabilities(prepared.Rows, prepared.Index.DistinctIds.Length, prepared.Index.LocalIndex, prepared.StaticRows);
            var classes = cnn.Config.Classes;
            for (var i = 0; i < sentences.Length; i++)
            {
                var p = probabilities.AsSpan(i * classes, classes);
                var best = p.IndexOf(Max(p));
                Console.WriteLine($"{Label(saved.Dataset, best, classes)}\t{p[best]:F3}\t{sentences[i]}");
            }
            return 0;
        });
    }

    private static float Max(ReadOnlySpan<float> values)
    {
        var max = values[0];
        foreach (var v in values) max = Math.Max(max, v);
        return max;
    }

    private static string Label(string dataset, int label, int classes) =>
        classes == 2 && dataset is "MR" or "SST-2" ? (label == 1 ? "positive" : "negative") : $"class {label}";

    /// <summary>Ids of tokens the model's view knows; unknown words read as padding, and nothing is created in the view.</summary>
    private static async Task<Dictionary<string, long>> KnownIdsAsync(EmbeddingStoreClient client, string view, List<string> tokens,
        CancellationToken cancellationToken)
    {
        try
        {
            var ids = await client.ResolveAsync(view, tokens, UnknownPolicy.Fail, cancellationToken);
            return tokens.Zip(ids).ToDictionary(p => p.First, p => p.Second);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            var known = new Dictionary<string, long>();
            foreach (var token in tokens)
            {
                try { known[token] = (await client.ResolveAsync(view, [token], UnknownPolicy.Fail, cancellationToken))[0]; }
                catch (RpcException inner) when (inner.StatusCode == StatusCode.NotFound) { known[token] = 0; }
            }
            return known;
        }
    }

    private static IEnumerable<string> ReadStdin()
    {
        while (Console.ReadLine() is { } line)
            if (line.Trim().Length > 0) yield return line;
    }
}
