using Trainer.Core.Kernels;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Kernels;

public sealed class UpdateKernelTests(AcceleratorFixture fixture) : DeviceTest(fixture)
{
    public static TheoryData<string> Backends => AcceleratorFixture.Backends;

    [Theory, MemberData(nameof(Backends))]
    public void RowGradient_SumsPositionsPerRow_MatchesReference(string backend)
    {
        var device = Device(backend);
        var random = new Random(7);
        const int rows = 9, dim = 7, positions = 3 * 11;
        var index = LocalIndex(random, positions, rows);
        index[0] = index[1] = index[2] = 3; // one row used several times
        var dx = Uniform(random, positions * dim);
        var expected = new float[rows * dim];
        RowGradient.Backward(dx, index, dim, expected, rows);
        var csr = RowPositions.Build(index, rows);

        var dRows = Upload(device, Uniform(random, rows * dim)); // stale contents must be overwritten
        new RowGradientKernel(device).Backward(Upload(device, dx), Upload(device, csr.RowStart), Upload(device, csr.Positions), rows, dim, dRows);

        AssertClose(expected, Download(device, dRows), what: "dE");
        Assert.Equal(dx[0] + dx[dim] + dx[2 * dim] + SumOthers(index, dx, dim, 3, 3), expected[3 * dim], 1e-5f);
    }

    private static float SumOthers(int[] index, float[] dx, int dim, int row, int skip) =>
        Enumerable.Range(skip, index.Length - skip).Where(p => index[p] == row).Sum(p => dx[p * dim]);

    [Theory, MemberData(nameof(Backends))]
    public void Adadelta_SeveralSteps_MatchReference(string backend)
    {
        var device = Device(backend);
        foreach (int count in new[] { 1, 1025 })
        {
            var random = new Random(count);
            var w = Uniform(random, count);
            var (eg2, edx2) = (new float[count], new float[count]);
            var (wDevice, eg2Device, edx2Device) = (Upload(device, w.ToArray()), Upload(device, eg2.ToArray()), Upload(device, edx2.ToArray()));
            var kernel = new AdadeltaKernel(device);
            for (int step = 0; step < 3; step++)
            {
                var g = Uniform(random, count);
                Adadelta.Update(w, g, eg2, edx2, count, 0.95f, 1e-6f);
                kernel.Update(wDevice, Upload(device, g), eg2Device, edx2Device, count, 0.95f, 1e-6f);
            }
            AssertClose(w, Download(device, wDevice), what: "w");
            AssertClose(eg2, Download(device, eg2Device), what: "Eg2");
            AssertClose(edx2, Download(device, edx2Device), what: "Edx2");
        }
    }

    [Fact]
    public void Adadelta_FirstStep_FollowsZeilersFormula()
    {
        float[] w = [1f], g = [0.5f], eg2 = [0f], edx2 = [0f];
        Adadelta.Update(w, g, eg2, edx2, 1, 0.95f, 1e-6f);
        double expectedEg2 = 0.05 * 0.25;
        double step = Math.Sqrt(1e-6) / Math.Sqrt(expectedEg2 + 1e-6) * 0.5;
        Assert.Equal(expectedEg2, eg2[0], 1e-8);
        Assert.Equal(1 - step, w[0], 1e-6);
        Assert.Equal(0.05 * step * step, edx2[0], 1e-10);
    }

    [Theory, MemberData(nameof(Backends))]
    public void MaxNorm_RowsOverLimit_AreScaledToLimit(string backend)
    {
        var device = Device(backend);
        const int rows = 3, cols = 17;
        var random = new Random(8);
        var w = Uniform(random, rows * cols);
        for (int c = 0; c < cols; c++) { w[c] *= 10f; w[2 * cols + c] *= 0.01f; } // row 0 far over, row 2 far under
        var expected = w.ToArray();
        MaxNorm.Apply(expected, rows, cols, 3f);
        var view = Upload(device, w);
        new MaxNormKernel(device).Apply(view, rows, cols, 3f);

        AssertClose(expected, Download(device, view), what: "Wd");
        float Norm(int r) => MathF.Sqrt(Enumerable.Range(0, cols).Sum(c => expected[r * cols + c] * expected[r * cols + c]));
        Assert.Equal(3f, Norm(0), 1e-4f);
        AssertClose(w[(2 * cols)..], expected[(2 * cols)..], relative: 1e-5f, what: "row under the limit");
    }
}
