using System.Diagnostics;
using Trainer.Data;
using Trainer.Core.Model;

namespace Trainer.Training;

/// <summary>Trains one model on one split: Kim's epochs of shuffled mini-batches, evaluated after each epoch.</summary>
public sealed class FoldTrainer(ICnnBackend model, IRowSource rows, TrainingOptions options)
{
    private readonly BatchFeeder _feeder = new(rows, options.OverlapPushes);

    /// <summary>
    /// Training accuracy is measured on this many training examples (a random sample: the split is shuffled),
    /// not all of them: a full pass would cost a third of an epoch and tells no more.
    /// </summary>
    public const int TrainAccuracySample = 2000;

    /// <summary>Rows read so far: pulled, and left out of pulls because a push returned them.</summary>
    public (long Pulled, long FromPushes) RowsRead => _feeder.RowsRead;

    /// <summary>Row ids of every token of the dataset; filled by the caller through the row source.</summary>
    public required IReadOnlyDictionary<string, long> Ids { get; init; }

    public async Task<FoldResult> TrainAsync(int fold, IReadOnlyList<Example> examples, int[] train, int[] dev, int[] test,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed * 7919 + fold);
        var epochs = new List<EpochStats>();
        var best = 0;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            _feeder.ResetWaiting();
            var batches = Batcher.Order(train, options.BatchSize, random, fillLastBatch: true);
            var loss = await TrainEpochAsync(examples, batches, fold, epoch, progress, cancellationToken);
            await _feeder.FlushAsync();
            var trained = batches.Sum(b => b.Length);
            var seconds = clock.Elapsed.TotalSeconds;
            var waited = _feeder.Waiting.TotalSeconds;
            var stats = new EpochStats(epoch, loss,
                await AccuracyAsync(examples, train[..Math.Min(train.Length, TrainAccuracySample)], cancellationToken),
                await AccuracyAsync(examples, dev, cancellationToken),
                await AccuracyAsync(examples, test, cancellationToken),
                seconds, waited, trained / seconds);
            epochs.Add(stats);
            if (best == 0 || stats.DevAccuracy > epochs[best - 1].DevAccuracy) best = epoch;
            progress?.Report(new TrainingProgress(fold, epoch, options.Epochs, batches.Count, batches.Count, stats));
        }
        return new FoldResult(fold, epochs, best);
    }

    private async Task<double> TrainEpochAsync(IReadOnlyList<Example> examples, List<int[]> batches, int fold, int epoch,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        double lossSum = 0;
        var pending = _feeder.Prepare(Build(examples, batches[0]), null, cancellationToken);
        var reported = Stopwatch.StartNew();
        for (var i = 0; i < batches.Count; i++)
        {
            var batch = await _feeder.WaitAsync(pending);
            // The rows this step trains come back with its push: the next batch's pull leaves them out.
            var next = i + 1 < batches.Count
                ? _feeder.Prepare(Build(examples, batches[i + 1]), options.Variant.TrainsRows() ? batch : null, cancellationToken)
                : null;
            var gradients = new float[batch.Index.DistinctIds.Length * rows.Dim];
            lossSum += model.TrainStep(batch.Rows, batch.Index.DistinctIds.Length, batch.Index.LocalIndex, batch.Batch.Labels,
                batch.StaticRows, gradients);
            if (options.Variant.TrainsRows()) await _feeder.PushAsync(batch, gradients, next, cancellationToken);
            if (next is not null) pending = next;
            if (progress is not null && reported.ElapsedMilliseconds >= 500)
            {
                progress.Report(new TrainingProgress(fold, epoch, options.Epochs, i + 1, batches.Count, null));
                reported.Restart();
            }
        }
        return lossSum / batches.Count;
    }

    private Batch Build(IReadOnlyList<Example> examples, int[] indices) =>
        Batcher.Build(examples, indices, token => Ids[token], model.Config.Positions, options.FilterMax, rows.PadId);

    /// <summary>Fraction of <paramref name="indices"/> classified correctly, without dropout.</summary>
    public async Task<double> AccuracyAsync(IReadOnlyList<Example> examples, IReadOnlyList<int> indices, CancellationToken cancellationToken)
    {
        if (indices.Count == 0) return double.NaN;
        var correct = 0;
        var chunks = Batcher.Order(indices, 200, null, fillLastBatch: false);
        var pending = _feeder.Prepare(Build(examples, chunks[0]), null, cancellationToken);
        for (var i = 0; i < chunks.Count; i++)
        {
            var batch = await _feeder.WaitAsync(pending);
            // The next chunk's rows are pulled while this one is classified.
            if (i + 1 < chunks.Count) pending = _feeder.Prepare(Build(examples, chunks[i + 1]), null, cancellationToken);
            var predictions = model.Predict(batch.Rows, batch.Index.DistinctIds.Length, batch.Index.LocalIndex, batch.StaticRows);
            for (var b = 0; b < predictions.Length; b++)
                if (predictions[b] == batch.Batch.Labels[b]) correct++;
        }
        return (double)correct / indices.Count;
    }
}

/// <summary>Where training stands; <see cref="Epoch"/> stats are set when an epoch has just finished.</summary>
public sealed record TrainingProgress(int Fold, int Epoch, int Epochs, int Batch, int Batches, EpochStats? Finished);
