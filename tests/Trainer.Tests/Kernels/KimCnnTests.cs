using Trainer.Core.Kernels;
using Trainer.Core.Model;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Kernels;

public sealed class KimCnnTests(AcceleratorFixture fixture) : DeviceTest(fixture)
{
    private const int Rows = 9;

    public static TheoryData<string, int> BackendsAndChannels()
    {
        var data = new TheoryData<string, int>();
        foreach (var backend in AcceleratorFixture.Backends)
            foreach (int channels in new[] { 1, 2 })
                data.Add(backend, channels);
        return data;
    }

    public static TheoryData<string> Backends => AcceleratorFixture.Backends;

    private static KimCnnConfig SmallConfig(int channels) => new()
    {
        Dim = 7,
        Positions = 11,
        Classes = 3,
        FeatureMaps = 5,
        Channels = channels,
        Seed = 5,
        InitRange = 0.3f,
    };

    private sealed record Batch(float[] Rows, float[] Static, int[] Index, int[] Labels);

    private static Batch MakeBatch(Random random, KimCnnConfig config, int sentences) => new(
        Uniform(random, Rows * config.Dim),
        config.Channels == 2 ? Uniform(random, Rows * config.Dim) : [],
        LocalIndex(random, sentences * config.Positions, Rows),
        Enumerable.Range(0, sentences).Select(_ => random.Next(config.Classes)).ToArray());

    [Theory, MemberData(nameof(BackendsAndChannels))]
    public void TrainSteps_FullThenPartialBatch_MatchReference(string backend, int channels)
    {
        var config = SmallConfig(channels);
        using var model = new KimCnn(Device(backend), config);
        using var reference = new ReferenceCnn(config);
        AssertClose(reference.GetParameters(), model.GetParameters(), what: "initial parameters");
        var random = new Random(channels);

        foreach (int sentences in new[] { 3, 3, 2 })
        {
            var batch = MakeBatch(random, config, sentences);
            var (expectedGrad, actualGrad) = (new float[Rows * config.Dim], new float[Rows * config.Dim]);
            float expectedLoss = reference.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, batch.Static, expectedGrad);
            float actualLoss = model.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, batch.Static, actualGrad);

            Assert.Equal(expectedLoss, actualLoss, 1e-4f * expectedLoss);
            AssertClose(expectedGrad, actualGrad, what: $"row gradient (B={sentences})");
            AssertClose(reference.GetParameters(), model.GetParameters(), what: $"parameters after B={sentences}");
        }
        Assert.Equal(3, model.Step);
        Assert.Contains(reference.GetParameters(), p => p != 0f && Math.Abs(p) > 1e-3f);
    }

    [Theory, MemberData(nameof(BackendsAndChannels))]
    public void PredictAndProbabilities_MatchReference(string backend, int channels)
    {
        var config = SmallConfig(channels);
        var random = new Random(10 + channels);
        var parameters = Uniform(random, new ParameterLayout(config).Count, 0.5f);
        using var model = new KimCnn(Device(backend), config, parameters);
        using var reference = new ReferenceCnn(config, parameters);
        var batch = MakeBatch(random, config, 4);

        var expected = reference.Probabilities(batch.Rows, Rows, batch.Index, batch.Static);
        AssertClose(expected, model.Probabilities(batch.Rows, Rows, batch.Index, batch.Static), what: "probabilities");
        Assert.Equal(reference.Predict(batch.Rows, Rows, batch.Index, batch.Static), model.Predict(batch.Rows, Rows, batch.Index, batch.Static));
        for (int b = 0; b < 4; b++) Assert.Equal(1f, expected.Skip(b * 3).Take(3).Sum(), 1e-5f);
    }

    [Theory, MemberData(nameof(Backends))]
    public void TrainStep_SeparableToyData_LossDropsAndFits(string backend)
    {
        // Class c sentences use only rows of group c; the row vectors of the groups point in different directions.
        var config = new KimCnnConfig { Dim = 8, Positions = 9, Classes = 2, Windows = [2, 3], FeatureMaps = 10, Seed = 3 };
        const int rows = 12, sentences = 16;
        var random = new Random(7);
        var table = new float[rows * config.Dim];
        for (int r = 0; r < rows; r++)
            for (int d = 0; d < config.Dim; d++)
                table[r * config.Dim + d] = (d < 4 == r < 6 ? 1f : -1f) + (float)(random.NextDouble() - 0.5);
        var labels = Enumerable.Range(0, sentences).Select(i => i % 2).ToArray();
        var index = new int[sentences * config.Positions];
        for (int b = 0; b < sentences; b++)
            for (int p = 0; p < config.Positions; p++)
                index[b * config.Positions + p] = p >= 7 ? -1 : labels[b] * 6 + random.Next(6);

        using var model = new KimCnn(Device(backend), config);
        var grad = new float[table.Length];
        var losses = Enumerable.Range(0, 30).Select(_ => model.TrainStep(table, rows, index, labels, [], grad)).ToArray();

        Assert.InRange(losses[0], 0.68f, 0.70f); // zero dense layer: uniform prediction, ln 2
        Assert.True(losses[^5..].Average() < 0.25f * losses[0], $"Loss did not drop: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        Assert.Equal(labels, model.Predict(table, rows, index, []));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Checkpoint_SaveThenLoad_RestoresParametersAndStep(string backend)
    {
        var config = SmallConfig(2) with { Windows = [2, 4] };
        var random = new Random(12);
        using var model = new KimCnn(Device(backend), config);
        var batch = MakeBatch(random, config, 3);
        model.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, batch.Static, new float[Rows * config.Dim]);

        using var stream = new MemoryStream();
        CnnCheckpoint.Save(stream, model);
        stream.Position = 0;
        using var loaded = KimCnn.Load(Device(backend), stream);

        Assert.Equal(config.Windows, loaded.Config.Windows);
        Assert.Equal(config with { Windows = loaded.Config.Windows }, loaded.Config);
        Assert.Equal(1, loaded.Step);
        Assert.Equal(model.GetParameters(), loaded.GetParameters());
        Assert.Equal(model.Probabilities(batch.Rows, Rows, batch.Index, batch.Static), loaded.Probabilities(batch.Rows, Rows, batch.Index, batch.Static));
    }

    [Fact]
    public void Checkpoint_WrongMagic_IsRejected()
    {
        using var stream = new MemoryStream("NOPE...."u8.ToArray());
        var error = Assert.Throws<InvalidDataException>(() => CnnCheckpoint.Load(stream));
        Assert.Contains("KCNN", error.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void TrainStep_InvalidBatch_IsRejectedWithReason(string backend)
    {
        var config = SmallConfig(1);
        using var model = new KimCnn(Device(backend), config);
        var batch = MakeBatch(new Random(1), config, 2);
        var grad = new float[Rows * config.Dim];

        Assert.Contains("Label 3", Assert.Throws<ArgumentOutOfRangeException>(() =>
            model.TrainStep(batch.Rows, Rows, batch.Index, [0, 3], [], grad)).Message);
        Assert.Contains("multiple of Positions", Assert.Throws<ArgumentException>(() =>
            model.TrainStep(batch.Rows, Rows, batch.Index[1..], batch.Labels, [], grad)).Message);
        Assert.Contains("staticRows", Assert.Throws<ArgumentException>(() =>
            model.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, batch.Rows, grad)).Message);
        Assert.Equal(0, model.Step);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Benchmark_SmallModel_CountsEveryStep(string backend)
    {
        using var model = new KimCnn(Device(backend), SmallConfig(1));
        var result = TrainStepBenchmark.Run(model, batchSize: 5, batches: 3, mrLikeLengths: true);
        Assert.Equal(4, model.Step); // one warm-up step plus the timed ones
        Assert.True(result.TrainExamplesPerSecond > 0 && result.PredictExamplesPerSecond > 0);
    }
}
