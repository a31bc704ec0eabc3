using Trainer.Core.Cpu;
using Trainer.Core.Model;
using Trainer.Tests.Kernels;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Cpu;

/// <summary>
/// The SIMD CPU path against the C# reference at every vector width, and against the ILGPU kernels (on ILGPU's CPU
/// accelerator, and CUDA where present): the two production paths check each other. Sizes are odd on purpose
/// (D = 13, L = 7, 5 maps: nothing is a multiple of a vector width) and the batch holds a sentence with padding at
/// both ends and one of padding only.
/// </summary>
public sealed class SimdCnnTests(AcceleratorFixture fixture) : DeviceTest(fixture)
{
    private const int Rows = 10;

    private static readonly VectorWidth[] Widths = [VectorWidth.Vector512, VectorWidth.Vector256, VectorWidth.Portable];

    public static TheoryData<VectorWidth, int> WidthsAndChannels()
    {
        var data = new TheoryData<VectorWidth, int>();
        foreach (var width in Widths)
            foreach (int channels in new[] { 1, 2 })
                data.Add(width, channels);
        return data;
    }

    public static TheoryData<string> Backends => AcceleratorFixture.Backends;

    private static KimCnnConfig OddConfig(int channels) => new()
    {
        Dim = 13,
        Positions = 7,
        Classes = 3,
        Windows = [2, 3],
        FeatureMaps = 5,
        Channels = channels,
        Seed = 9,
        InitRange = 0.3f,
    };

    private sealed record Batch(float[] Rows, float[] Static, int[] Index, int[] Labels);

    // Sentence 0: words with a gap; 1: padding at both ends; 2: padding only; 3: padding at the end only; further ones random.
    private static Batch MakeBatch(Random random, KimCnnConfig config, int sentences)
    {
        int l = config.Positions;
        var index = LocalIndex(random, sentences * l, Rows);
        for (int p = 0; p < l && sentences > 1; p++) index[l + p] = p is < 2 or >= 5 ? -1 : random.Next(Rows);
        for (int p = 0; p < l && sentences > 2; p++) index[2 * l + p] = -1;
        for (int p = 0; p < l && sentences > 3; p++) index[3 * l + p] = p < 3 ? random.Next(Rows) : -1;
        return new Batch(Uniform(random, Rows * config.Dim), config.Channels == 2 ? Uniform(random, Rows * config.Dim) : [], index,
            Enumerable.Range(0, sentences).Select(_ => random.Next(config.Classes)).ToArray());
    }

    private static void AssertSameSteps(ICnnBackend expected, ICnnBackend actual, int seed)
    {
        var config = expected.Config;
        AssertClose(expected.GetParameters(), actual.GetParameters(), what: "initial parameters");
        var random = new Random(seed);
        foreach (int sentences in new[] { 4, 3, 4, 2, 4 })
        {
            var batch = MakeBatch(random, config, sentences);
            var (expectedGrad, actualGrad) = (new float[Rows * config.Dim], new float[Rows * config.Dim]);
            float expectedLoss = expected.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, batch.Static, expectedGrad);
            float actualLoss = actual.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, batch.Static, actualGrad);

            Assert.Equal(expectedLoss, actualLoss, 1e-4f * expectedLoss);
            AssertClose(expectedGrad, actualGrad, what: $"row gradient (B={sentences})");
            AssertClose(expected.GetParameters(), actual.GetParameters(), what: $"parameters after B={sentences}");
        }
        Assert.Equal(5, actual.Step);
        Assert.Contains(actual.GetParameters(), p => Math.Abs(p) > 1e-3f);
        var last = MakeBatch(random, config, 5);
        AssertClose(expected.Probabilities(last.Rows, Rows, last.Index, last.Static), actual.Probabilities(last.Rows, Rows, last.Index, last.Static),
            what: "probabilities");
        Assert.Equal(expected.Predict(last.Rows, Rows, last.Index, last.Static), actual.Predict(last.Rows, Rows, last.Index, last.Static));
    }

    [Theory, MemberData(nameof(WidthsAndChannels))]
    public void TrainSteps_OddSizes_MatchReference(VectorWidth width, int channels)
    {
        var config = OddConfig(channels);
        using var reference = new ReferenceCnn(config);
        using var model = new SimdCnn(config, workers: 3, width: width);
        Assert.Equal(width, model.Width);
        AssertSameSteps(reference, model, seed: channels);
    }

    [Theory, MemberData(nameof(WidthsAndChannels))]
    public void Probabilities_RandomParameters_MatchReference(VectorWidth width, int channels)
    {
        // Large random weights make the logits, and so the probabilities, sensitive to every convolution output.
        var config = OddConfig(channels);
        var random = new Random(20 + channels);
        var parameters = Uniform(random, new ParameterLayout(config).Count, 0.5f);
        using var reference = new ReferenceCnn(config, parameters);
        using var model = new SimdCnn(config, parameters, width: width);
        var batch = MakeBatch(random, config, 6);

        AssertClose(reference.Probabilities(batch.Rows, Rows, batch.Index, batch.Static), model.Probabilities(batch.Rows, Rows, batch.Index, batch.Static),
            what: "probabilities");
        Assert.Equal(reference.Predict(batch.Rows, Rows, batch.Index, batch.Static), model.Predict(batch.Rows, Rows, batch.Index, batch.Static));
    }

    [Theory, MemberData(nameof(Backends))]
    public void TrainSteps_OddSizes_MatchIlgpuKernels(string backend)
    {
        var config = OddConfig(2) with { Windows = [3, 2, 4] };
        using var kernels = new KimCnn(Device(backend), config);
        using var model = new SimdCnn(config);
        AssertSameSteps(kernels, model, seed: 7);
    }

    [Fact]
    public void TrainStep_MrShape_MatchesReference()
    {
        // The production shape (100 maps: not a multiple of 16; D = 100; windows 3, 4, 5), a few short sentences.
        var config = new KimCnnConfig { Dim = 100, Positions = 20, Classes = 2, Seed = 4, InitRange = 0.05f };
        using var reference = new ReferenceCnn(config);
        using var model = new SimdCnn(config);
        AssertSameSteps(reference, model, seed: 11);
    }

    [Fact]
    public void TrainStep_WorkerCount_DoesNotChangeResults()
    {
        var config = OddConfig(1);
        using var one = new SimdCnn(config, workers: 1);
        using var four = new SimdCnn(config, workers: 4);
        var batch = MakeBatch(new Random(3), config, 6);
        var (g1, g4) = (new float[Rows * config.Dim], new float[Rows * config.Dim]);
        Assert.Equal(one.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, [], g1), four.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, [], g4));
        Assert.Equal(g1, g4);
        Assert.Equal(one.GetParameters(), four.GetParameters());
    }

    [Fact]
    public void TrainStep_AfterTheLargestBatch_AllocatesNothing()
    {
        var config = OddConfig(2);
        using var model = new SimdCnn(config, workers: 1); // several workers add the thread pool's bookkeeping
        var random = new Random(5);
        var (large, small) = (MakeBatch(random, config, 6), MakeBatch(random, config, 4));
        var grad = new float[Rows * config.Dim];
        model.TrainStep(large.Rows, Rows, large.Index, large.Labels, large.Static, grad);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) model.TrainStep(small.Rows, Rows, small.Index, small.Labels, small.Static, grad);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Checkpoint_SaveThenLoad_RestoresParametersAndStep()
    {
        var config = OddConfig(1);
        using var model = new SimdCnn(config);
        var batch = MakeBatch(new Random(12), config, 3);
        model.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, [], new float[Rows * config.Dim]);

        using var stream = new MemoryStream();
        CnnCheckpoint.Save(stream, model);
        stream.Position = 0;
        using var loaded = SimdCnn.Load(stream);

        Assert.Equal(1, loaded.Step);
        Assert.Equal(model.GetParameters(), loaded.GetParameters());
        Assert.Equal(model.Probabilities(batch.Rows, Rows, batch.Index, []), loaded.Probabilities(batch.Rows, Rows, batch.Index, []));
    }

    [Fact]
    public void TrainStep_InvalidBatch_IsRejectedWithReason()
    {
        var config = OddConfig(1);
        using var model = new SimdCnn(config);
        var batch = MakeBatch(new Random(1), config, 2);
        var grad = new float[Rows * config.Dim];

        Assert.Contains("Label 3", Assert.Throws<ArgumentOutOfRangeException>(() =>
            model.TrainStep(batch.Rows, Rows, batch.Index, [0, 3], [], grad)).Message);
        Assert.Contains("staticRows", Assert.Throws<ArgumentException>(() =>
            model.TrainStep(batch.Rows, Rows, batch.Index, batch.Labels, batch.Rows, grad)).Message);
        Assert.Equal(0, model.Step);
    }

    [Fact]
    public void Benchmark_SmallModel_CountsEveryStepAndUpdatesRows()
    {
        using var model = new SimdCnn(OddConfig(1));
        var result = TrainStepBenchmark.Run(model, batchSize: 5, batches: 3, mrLikeLengths: true, updateRows: true);
        Assert.Equal(4, model.Step); // one warm-up step plus the timed ones
        Assert.True(result.TrainExamplesPerSecond > 0 && result.PredictExamplesPerSecond > 0);
    }
}
