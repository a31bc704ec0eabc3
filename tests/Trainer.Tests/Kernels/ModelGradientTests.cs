using Trainer.Core.Model;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Kernels;

/// <summary>The reference model's row gradients against finite differences of its own loss, dropout included.</summary>
public sealed class ModelGradientTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ReferenceCnnRowGradient_MatchesFiniteDifferencesOfLoss(int channels)
    {
        var config = new KimCnnConfig
        {
            Dim = 3,
            Positions = 6,
            Classes = 3,
            Windows = [2, 3],
            FeatureMaps = 3,
            Channels = channels,
            InitRange = 0.5f,
            Seed = 11,
        };
        var random = new Random(channels);
        const int rows = 4;
        var distinct = Uniform(random, rows * config.Dim);
        var stat = channels == 2 ? Uniform(random, rows * config.Dim) : [];
        var index = LocalIndex(random, 2 * config.Positions, rows);
        int[] labels = [2, 0];
        // Nonzero dense weights, so the gradient reaches the rows on the first step.
        var parameters = new ReferenceCnn(config).GetParameters();
        var layout = new ParameterLayout(config);
        var dense = Uniform(random, layout.DenseW.Length);
        dense.CopyTo(parameters, layout.DenseW.Offset);

        double Loss()
        {
            using var fresh = new ReferenceCnn(config, parameters);
            return fresh.TrainStep(distinct, rows, index, labels, stat, new float[distinct.Length]);
        }
        using var model = new ReferenceCnn(config, parameters);
        var rowGrad = new float[distinct.Length];
        model.TrainStep(distinct, rows, index, labels, stat, rowGrad);

        Assert.Contains(rowGrad, g => g != 0f);
        FiniteDifference.Check(distinct, Loss, rowGrad, "rows");
    }
}
