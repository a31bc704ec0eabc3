using Trainer.Data;
using Trainer.Model;
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
}
