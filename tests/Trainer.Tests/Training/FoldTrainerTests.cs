using Trainer.Data;
using Trainer.Core.Model;
using Trainer.Tests.Kernels;
using Trainer.Training;

namespace Trainer.Tests.Training;

[Collection(AcceleratorCollection.Name)]
public class FoldTrainerTests(AcceleratorFixture devices)
{
    /// <summary>Sentences whose label is decided by one cue word among noise words: a CNN must learn it.</summary>
    private static List<Example> CueWordData(int count, int seed)
    {
        var random = new Random(seed);
        var noise = Enumerable.Range(0, 30).Select(i => $"w{i}").ToArray();
        return Enumerable.Range(0, count).Select(i =>
        {
            var label = i % 2;
            var tokens = Enumerable.Range(0, random.Next(3, 9)).Select(_ => noise[random.Next(noise.Length)]).ToList();
            tokens.Insert(random.Next(tokens.Count + 1), label == 1 ? "good" : "bad");
            return new Example([.. tokens], label);
        }).ToList();
    }

    [Theory]
    [InlineData(Variant.NonStatic, true)]
    [InlineData(Variant.NonStatic, false)]
    [InlineData(Variant.Multichannel, true)]
    [InlineData(Variant.Multichannel, false)]
    [InlineData(Variant.Static, true)]
    public async Task TrainAsync_CueWordTask_LearnsIt(Variant variant, bool simd)
    {
        var examples = CueWordData(240, seed: 5);
        var random = new Random(3);
        var vocabulary = examples.SelectMany(e => e.Tokens).Distinct().ToList();
        var pretrained = vocabulary.Where(t => t != "bad").Select(t => (t, Enumerable.Range(0, 8).Select(_ => random.NextSingle() - 0.5f).ToArray()));
        await using var rows = new InMemoryRowSource(8, variant, pretrained, 0.5f, seed: 1);
        var ids = await rows.ResolveAsync(vocabulary, default);
        var options = new TrainingOptions { Variant = variant, Epochs = 6, BatchSize = 20, FeatureMaps = 8, Windows = [2, 3] };
        var config = new KimCnnConfig
        {
            Dim = 8,
            Positions = Batcher.Positions(10, 3),
            Classes = 2,
            Windows = [2, 3],
            FeatureMaps = 8,
            Channels = variant == Variant.Multichannel ? 2 : 1,
            InitRange = 0.1f,
        };
        using ICnnBackend model = simd ? new SimdCnn(config) : new KimCnn(devices.Get("cpu"), config);
        var trainer = new FoldTrainer(model, rows, options) { Ids = vocabulary.Zip(ids).ToDictionary(p => p.First, p => p.Second) };
        var indices = Enumerable.Range(0, examples.Count).ToArray();
        var result = await trainer.TrainAsync(0, examples, indices[..180], indices[180..210], indices[210..], null, default);

        Assert.Equal(6, result.Epochs.Count);
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss, $"loss {result.Epochs[0].TrainLoss} -> {result.Epochs[^1].TrainLoss}");
        Assert.True(result.TestAccuracy >= 0.9, $"test accuracy {result.TestAccuracy}");
    }

    /// <summary>
    /// A row source whose calls finish after random delays, pushes much later than pulls, so that background pushes
    /// finish out of order and after pulls started later; a feeder that let a pull overtake an earlier push would read
    /// a stale row and train differently.
    /// </summary>
    private sealed class JitteryRowSource(InMemoryRowSource inner, int seed) : IRowSource
    {
        private readonly Random _random = new(seed);

        private Task DelayAsync(int maxMs)
        {
            int ms;
            lock (_random) ms = _random.Next(maxMs);
            return Task.Delay(ms);
        }

        public int Dim => inner.Dim;
        public long PadId => inner.PadId;
        public bool HasStaticChannel => inner.HasStaticChannel;
        public Task<long[]> ResolveAsync(IReadOnlyList<string> tokens, CancellationToken cancellationToken) => inner.ResolveAsync(tokens, cancellationToken);

        public async Task PullAsync(ReadOnlyMemory<long> ids, Memory<float> vectors, Memory<float> staticVectors, Memory<bool> trainable,
            CancellationToken cancellationToken)
        {
            // Reads the rows early, returns them late: a pull's snapshot is taken when it starts.
            await inner.PullAsync(ids, vectors, staticVectors, trainable, cancellationToken);
            await DelayAsync(3);
        }

        public async Task PushAsync(ReadOnlyMemory<long> ids, ReadOnlyMemory<float> gradients, Memory<float> rowsAfter, CancellationToken cancellationToken)
        {
            await DelayAsync(12);
            await inner.PushAsync(ids, gradients, rowsAfter, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Theory]
    [InlineData(Variant.NonStatic)]
    [InlineData(Variant.Multichannel)]
    public async Task TrainAsync_OverlappedPushes_BitIdenticalToSynchronousPushes(Variant variant)
    {
        var examples = CueWordData(160, seed: 9);
        var vocabulary = examples.SelectMany(e => e.Tokens).Distinct().ToList();
        var random = new Random(4);
        var pretrained = vocabulary.Select(t => (t, Enumerable.Range(0, 8).Select(_ => random.NextSingle() - 0.5f).ToArray())).ToList();
        var indices = Enumerable.Range(0, examples.Count).ToArray();

        async Task<(FoldResult Result, float[] Rows, (long Pulled, long FromPushes) Read)> TrainAsync(bool overlap)
        {
            // The table keeps (and trains) the arrays it is given: each run gets its own copies.
            var inner = new InMemoryRowSource(8, variant, pretrained.Select(p => (p.Item1, p.Item2.ToArray())), 0.5f, seed: 1);
            await using var rows = new JitteryRowSource(inner, seed: overlap ? 11 : 12);
            var ids = await rows.ResolveAsync(vocabulary, default);
            var options = new TrainingOptions
            {
                Variant = variant,
                Epochs = 3,
                BatchSize = 10,
                FeatureMaps = 4,
                Windows = [2, 3],
                OverlapPushes = overlap,
            };
            var config = new KimCnnConfig
            {
                Dim = 8,
                Positions = Batcher.Positions(10, 3),
                Classes = 2,
                Windows = [2, 3],
                FeatureMaps = 4,
                Channels = variant == Variant.Multichannel ? 2 : 1,
                InitRange = 0.1f,
            };
            // One worker: with two, the order in which sentences' weight gradients are summed varies from run to run.
            using var model = new SimdCnn(config, workers: 1);
            var trainer = new FoldTrainer(model, rows, options) { Ids = vocabulary.Zip(ids).ToDictionary(p => p.First, p => p.Second) };
            var result = await trainer.TrainAsync(0, examples, indices[..120], indices[120..140], indices[140..], null, default);
            var final = new float[ids.Length * 8];
            await inner.PullAsync(ids, final, new float[ids.Length * 8], new bool[ids.Length], default);
            return (result, final, trainer.RowsRead);
        }

        var synchronous = await TrainAsync(overlap: false);
        var overlapped = await TrainAsync(overlap: true);

        Assert.Equal(synchronous.Rows, overlapped.Rows);
        Assert.Equal(synchronous.Result.Epochs.Select(e => e.TrainLoss), overlapped.Result.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(synchronous.Result.Epochs.Select(e => e.TestAccuracy), overlapped.Result.Epochs.Select(e => e.TestAccuracy));
        // The rows did move: the comparison is not between two untrained tables.
        Assert.NotEqual(pretrained.SelectMany(p => p.Item2), synchronous.Rows);
        // Every row of every batch was read once: pulled, or (overlapped) returned by the push of the step before.
        Assert.Equal(0, synchronous.Read.FromPushes);
        Assert.True(overlapped.Read.FromPushes > 0);
        Assert.Equal(synchronous.Read.Pulled, overlapped.Read.Pulled + overlapped.Read.FromPushes);
    }
}
