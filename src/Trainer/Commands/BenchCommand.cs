using System.CommandLine;
using System.Text.Json;
using Trainer.Core.Model;

namespace Trainer.Commands;

/// <summary>
/// <c>bench</c>: training and prediction examples/s of each backend on synthetic batches of a given shape, one JSON
/// line per backend, for comparison with <c>benchmarks/torch/kim_cnn.py</c> at the same shape.
/// </summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var devices = new Option<string>("--device") { Description = "Comma-separated devices to measure", DefaultValueFactory = _ => "cpu,ilgpu-cpu" };
        var dim = new Option<int>("--dim") { DefaultValueFactory = _ => 100 };
        var positions = new Option<int>("--positions") { DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 50 };
        var batches = new Option<int>("--batches") { Description = "Timed steps per backend, after one warm-up step", DefaultValueFactory = _ => 20 };
        var classes = new Option<int>("--classes") { DefaultValueFactory = _ => 2 };
        var maps = new Option<int>("--feature-maps") { DefaultValueFactory = _ => 100 };
        var lengths = new Option<string>("--lengths") { Description = "full (every position a word, as the PyTorch reference) or mr (MR-like lengths, the rest padding)", DefaultValueFactory = _ => "full" };
        var command = new Command("bench", "Examples/s of the CNN backends on synthetic batches (non-static: row updates included)")
        {
            devices, dim, positions, batch, batches, classes, maps, lengths,
        };
        command.SetAction(parse =>
        {
            var config = new KimCnnConfig
            {
                Dim = parse.GetValue(dim),
                Positions = parse.GetValue(positions),
                Classes = parse.GetValue(classes),
                FeatureMaps = parse.GetValue(maps),
            };
            var mrLike = parse.GetValue(lengths) switch
            {
                "full" => false,
                "mr" => true,
                var other => throw new ArgumentException($"--lengths must be full or mr, got '{other}'"),
            };
            foreach (var option in parse.GetValue(devices)!.Split(','))
            {
                using var device = CnnDevice.Create(option);
                using var model = device.CreateModel(config);
                var result = TrainStepBenchmark.Run(model, parse.GetValue(batch), parse.GetValue(batches), mrLike, updateRows: true);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    implementation = option.Trim(),
                    device = device.Description,
                    dim = config.Dim,
                    positions = config.Positions,
                    batch = result.BatchSize,
                    lengths = parse.GetValue(lengths),
                    train_examples_per_s = Math.Round(result.TrainExamplesPerSecond, 1),
                    predict_examples_per_s = Math.Round(result.PredictExamplesPerSecond, 1),
                }));
            }
            return 0;
        });
        return command;
    }
}
