using Trainer.Core.Kernels;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Kernels;

// Shapes are deliberately not multiples of the 4x4 conv tile or of any group size.
public sealed class ConvKernelTests(AcceleratorFixture fixture) : DeviceTest(fixture)
{
    public static TheoryData<string> Backends => AcceleratorFixture.Backends;

    [Theory, MemberData(nameof(Backends))]
    public void Gather_BothChannels_MatchesReference(string backend)
    {
        var device = Device(backend);
        var random = new Random(1);
        const int rows = 9, dim = 7, positions = 3 * 11;
        var nonStatic = Uniform(random, rows * dim);
        var stat = Uniform(random, rows * dim);
        var index = LocalIndex(random, positions, rows);
        var expected = new float[positions * dim];
        Gather.Forward(nonStatic, index, dim, expected, accumulate: false);
        Gather.Forward(stat, index, dim, expected, accumulate: true);

        var x = Upload(device, new float[positions * dim]);
        var kernel = new GatherKernel(device);
        kernel.Forward(Upload(device, nonStatic), Upload(device, index), positions, dim, x, accumulate: false);
        kernel.Forward(Upload(device, stat), Upload(device, index), positions, dim, x, accumulate: true);

        AssertClose(expected, Download(device, x), what: "X");
        Assert.All(Enumerable.Range(0, dim), d => Assert.Equal(0f, expected[4 * dim + d]));
    }

    public static TheoryData<string, int, int> ConvCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var backend in AcceleratorFixture.Backends)
            foreach (var (window, filters) in new[] { (3, 5), (4, 5), (5, 5), (3, 1), (5, 17) })
                data.Add(backend, window, filters);
        return data;
    }

    [Theory, MemberData(nameof(ConvCases))]
    public void Conv1d_ForwardAndBackward_MatchReference(string backend, int window, int filters)
    {
        var device = Device(backend);
        var random = new Random(window * 31 + filters);
        var s = new ConvShape(3, 11, 7, window, filters);
        var x = Uniform(random, s.Batch * s.Length * s.Dim);
        var w = Uniform(random, filters * s.WindowSize, 0.5f);
        var bias = Uniform(random, filters, 0.1f);
        var dy = Uniform(random, s.Batch * filters * s.Steps);
        var y = new float[dy.Length];
        Conv1d.Forward(s, x, w, bias, y);
        // Start the accumulated gradients from nonzero values to check they are added to, not overwritten.
        var dw = Uniform(random, w.Length);
        var dBias = Uniform(random, filters);
        var dx = Uniform(random, x.Length);
        var (dwDevice, dBiasDevice, dxDevice) = (Upload(device, dw), Upload(device, dBias), Upload(device, dx));
        Conv1d.Backward(s, x, w, y, dy, dw, dBias, dx);

        var kernel = new Conv1dKernel(device);
        var (xDevice, wDevice, yDevice) = (Upload(device, x), Upload(device, w), Upload(device, new float[y.Length]));
        kernel.Forward(s, xDevice, wDevice, Upload(device, bias), yDevice, Upload(device, SentenceSpans.Full(s.Batch, s.Length)));
        kernel.Backward(s, xDevice, wDevice, yDevice, Upload(device, dy), dwDevice, dBiasDevice, dxDevice);

        Assert.Contains(0f, y); // the ReLU clipped something, so its derivative is exercised
        AssertClose(y, Download(device, yDevice), what: "Y");
        AssertClose(dw, Download(device, dwDevice), what: "dW");
        AssertClose(dBias, Download(device, dBiasDevice), what: "dBias");
        AssertClose(dx, Download(device, dxDevice), what: "dX");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Conv1dForward_PaddedSentences_SkipsOnlyAllPaddingWindows(string backend)
    {
        var device = Device(backend);
        var random = new Random(2);
        var s = new ConvShape(4, 13, 3, 3, 6);
        var index = new int[s.Batch * s.Length];
        Array.Fill(index, -1);
        foreach (var (b, first, end) in new[] { (0, 0, 13), (1, 2, 5), (2, 9, 13) }) // sentence 3 is all padding
            for (int p = first; p < end; p++) index[b * s.Length + p] = random.Next(4);
        var rows = Uniform(random, 4 * s.Dim);
        var x = new float[index.Length * s.Dim];
        Gather.Forward(rows, index, s.Dim, x, accumulate: false);
        var w = Uniform(random, s.Filters * s.WindowSize);
        var bias = Uniform(random, s.Filters, 0.5f);
        var expected = new float[s.Batch * s.Filters * s.Steps];
        Conv1d.Forward(s, x, w, bias, expected);

        var spans = SentenceSpans.FromLocalIndex(index, s.Length);
        var y = Upload(device, new float[expected.Length]);
        new Conv1dKernel(device).Forward(s, Upload(device, x), Upload(device, w), Upload(device, bias), y, Upload(device, spans));

        Assert.Equal([0, 13, 2, 5, 9, 13, 0, 0], spans);
        AssertClose(expected, Download(device, y), what: "Y");
    }

    [Theory, MemberData(nameof(Backends))]
    public void MaxPool_ForwardAndBackward_MatchReference(string backend)
    {
        var device = Device(backend);
        var random = new Random(3);
        const int batch = 3, filters = 5, steps = 9, stride = 17, offset = 6;
        var y = Uniform(random, batch * filters * steps);
        y[4] = y[2]; // a tie: the first maximum must win everywhere
        var pooled = new float[batch * stride];
        var arg = new int[batch * filters];
        MaxPool.Forward(batch, filters, steps, y, pooled, stride, offset, arg);
        var dPooled = Uniform(random, batch * stride);
        var dy = new float[y.Length];
        MaxPool.Backward(batch, filters, steps, dPooled, stride, offset, arg, dy);

        var kernel = new MaxPoolKernel(device);
        var (pooledDevice, argDevice, dyDevice) = (Upload(device, new float[pooled.Length]), Upload(device, new int[arg.Length]), Upload(device, Uniform(random, dy.Length)));
        kernel.Forward(batch, filters, steps, Upload(device, y), pooledDevice, stride, offset, argDevice);
        kernel.Backward(batch, filters, steps, Upload(device, dPooled), stride, offset, argDevice, dyDevice);

        Assert.Equal(arg, Download(device, argDevice));
        AssertClose(pooled, Download(device, pooledDevice), what: "P");
        AssertClose(dy, Download(device, dyDevice), what: "dY");
    }
}
