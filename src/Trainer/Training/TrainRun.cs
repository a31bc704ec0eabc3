using Trainer.Data;
using Trainer.Core.Model;

namespace Trainer.Training;

/// <summary>One split of a dataset: example indices to train on, choose the epoch with, and report.</summary>
public sealed record Split(int Fold, int[] Train, int[] Dev, int[] Test);

/// <summary>
/// Runs Kim's protocol over a dataset: 10-fold cross-validation when it has no test set (a 10% dev split
/// inside each training fold), else its own train/dev/test splits. Each fold trains a fresh model on
/// fresh rows (its own views of the store).
/// </summary>
public sealed class TrainRun(CnnDevice device, TrainingOptions options)
{
    /// <summary>All examples in one list (train, then dev, then test) and the splits over it.</summary>
    public static (List<Example> Examples, List<Split> Splits) Plan(Dataset dataset, int folds, int? maxFolds, TrainingOptions options)
    {
        var examples = dataset.All.ToList();
        var splits = new List<Split>();
        var seed = options.Seed;
        if (dataset.Test is null)
        {
            var testFolds = Splits.KFold(examples.Count, folds, seed);
            for (var f = 0; f < Math.Min(folds, maxFolds ?? folds); f++)
            {
                var test = testFolds[f];
                var rest = Enumerable.Range(0, examples.Count).Except(test).ToArray();
                var (train, dev) = Splits.DevSplit(rest, options.DevFraction, seed + f);
                splits.Add(new Split(f + 1, train, dev, test));
            }
        }
        else
        {
            var trainCount = dataset.Train.Count;
            var devCount = dataset.Dev?.Count ?? 0;
            var train = Enumerable.Range(0, trainCount).ToArray();
            var dev = Enumerable.Range(trainCount, devCount).ToArray();
            if (devCount == 0) (train, dev) = Splits.DevSplit(train, options.DevFraction, seed);
            splits.Add(new Split(1, train, dev, Enumerable.Range(trainCount + devCount, dataset.Test.Count).ToArray()));
        }
        return (examples, splits);
    }

    public KimCnnConfig ModelConfig(Dataset dataset, int dim) => new()
    {
        Dim = dim,
        Positions = Batcher.Positions(dataset.MaxLength, options.FilterMax),
        Classes = dataset.Classes,
        Windows = options.Windows,
        FeatureMaps = options.FeatureMaps,
        DropoutRate = options.Dropout,
        MaxNorm = options.MaxNorm,
        Channels = options.Variant == Variant.Multichannel ? 2 : 1,
        Seed = (uint)options.Seed,
    };

    /// <summary>Trains one split; returns its result and the trained model (the caller disposes it).</summary>
    public async Task<(FoldResult Result, ICnnBackend Model)> TrainSplitAsync(Dataset dataset, List<Example> examples, Split split,
        IRowSource rows, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var vocabulary = examples.SelectMany(e => e.Tokens).Distinct().ToList();
        var ids = await rows.ResolveAsync(vocabulary, cancellationToken);
        var model = device.CreateModel(ModelConfig(dataset, rows.Dim));
        try
        {
            var trainer = new FoldTrainer(model, rows, options)
            {
                Ids = vocabulary.Zip(ids).ToDictionary(p => p.First, p => p.Second),
            };
            var result = await trainer.TrainAsync(split.Fold, examples, split.Train, split.Dev, split.Test, progress, cancellationToken);
            return (result, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
