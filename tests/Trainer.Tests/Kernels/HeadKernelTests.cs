using Trainer.Core.Kernels;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Kernels;

public sealed class HeadKernelTests(AcceleratorFixture fixture) : DeviceTest(fixture)
{
    public static TheoryData<string> Backends => AcceleratorFixture.Backends;

    [Theory, MemberData(nameof(Backends))]
    public void Dropout_ForwardAndBackward_MatchReferenceMask(string backend)
    {
        var device = Device(backend);
        var random = new Random(4);
        const int count = 1025;
        var h = Uniform(random, count);
        var dz = Uniform(random, count);
        var (z, mask, dh) = (new float[count], new float[count], new float[count]);
        Dropout.Forward(h, z, mask, count, seed: 7, step: 3, rate: 0.5f);
        Dropout.Backward(dz, mask, dh, count);

        var kernel = new DropoutKernel(device);
        var (zDevice, maskDevice, dhDevice) = (Upload(device, new float[count]), Upload(device, new float[count]), Upload(device, new float[count]));
        kernel.Forward(Upload(device, h), zDevice, maskDevice, count, 7, 3, 0.5f);
        kernel.Backward(Upload(device, dz), maskDevice, dhDevice, count);

        Assert.Equal(mask, Download(device, maskDevice));
        AssertClose(z, Download(device, zDevice), what: "Z");
        AssertClose(dh, Download(device, dhDevice), what: "dH");
        int kept = mask.Count(m => m != 0f);
        Assert.InRange(kept, 440, 585); // about half, with room for chance
        Assert.All(mask, m => Assert.True(m == 0f || m == 2f));
    }

    [Fact]
    public void Dropout_DifferentSteps_GiveDifferentMasks()
    {
        var masks = Enumerable.Range(0, 2).Select(step => Enumerable.Range(0, 64).Select(i => Dropout.Factor(7, (uint)step, i, 0.5f)).ToArray()).ToArray();
        Assert.NotEqual(masks[0], masks[1]);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Dense_ForwardAndBackward_MatchReference(string backend)
    {
        var device = Device(backend);
        var random = new Random(5);
        const int batch = 3, inputs = 17, classes = 3;
        var z = Uniform(random, batch * inputs);
        var w = Uniform(random, classes * inputs);
        var bias = Uniform(random, classes);
        var dLogits = Uniform(random, batch * classes);
        var logits = new float[batch * classes];
        Dense.Forward(batch, inputs, classes, z, w, bias, logits);
        var dw = Uniform(random, w.Length);
        var dBias = Uniform(random, classes);
        var (dwDevice, dBiasDevice) = (Upload(device, dw), Upload(device, dBias));
        var dz = new float[z.Length];
        Dense.Backward(batch, inputs, classes, z, w, dLogits, dw, dBias, dz);

        var kernel = new DenseKernel(device);
        var (zDevice, wDevice, logitsDevice, dzDevice) = (Upload(device, z), Upload(device, w), Upload(device, new float[logits.Length]), Upload(device, Uniform(random, dz.Length)));
        kernel.Forward(batch, inputs, classes, zDevice, wDevice, Upload(device, bias), logitsDevice);
        kernel.Backward(batch, inputs, classes, zDevice, wDevice, Upload(device, dLogits), dwDevice, dBiasDevice, dzDevice);

        AssertClose(logits, Download(device, logitsDevice), what: "logits");
        AssertClose(dw, Download(device, dwDevice), what: "dW");
        AssertClose(dBias, Download(device, dBiasDevice), what: "dBias");
        AssertClose(dz, Download(device, dzDevice), what: "dZ");
    }

    [Theory, MemberData(nameof(Backends))]
    public void SoftmaxCrossEntropy_LossGradientAndProbabilities_MatchReference(string backend)
    {
        var device = Device(backend);
        var random = new Random(6);
        const int batch = 17, classes = 6;
        var logits = Uniform(random, batch * classes, 5f);
        var labels = Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();
        var (loss, dLogits, predictions) = (new float[batch], new float[logits.Length], new int[batch]);
        SoftmaxCrossEntropy.Forward(batch, classes, logits, labels, loss, dLogits, predictions);
        var probabilities = new float[logits.Length];
        SoftmaxCrossEntropy.Probabilities(batch, classes, logits, probabilities, new int[batch]);

        var kernel = new SoftmaxCrossEntropyKernel(device);
        var logitsDevice = Upload(device, logits);
        var (lossDevice, dLogitsDevice, predictionsDevice, probabilitiesDevice) =
            (Upload(device, new float[batch]), Upload(device, new float[logits.Length]), Upload(device, new int[batch]), Upload(device, new float[logits.Length]));
        kernel.Forward(batch, classes, logitsDevice, Upload(device, labels), lossDevice, dLogitsDevice, predictionsDevice);
        var evalPredictions = Upload(device, new int[batch]);
        kernel.Probabilities(batch, classes, logitsDevice, probabilitiesDevice, evalPredictions);

        AssertClose(loss, Download(device, lossDevice), what: "loss");
        AssertClose(dLogits, Download(device, dLogitsDevice), what: "dLogits");
        AssertClose(probabilities, Download(device, probabilitiesDevice), what: "probabilities");
        Assert.Equal(predictions, Download(device, predictionsDevice));
        Assert.Equal(predictions, Download(device, evalPredictions));
        // loss = -log p(label): ties the two outputs together independently of the implementation.
        for (int b = 0; b < batch; b++) Assert.Equal(-MathF.Log(probabilities[b * classes + labels[b]]), loss[b], 1e-4f);
    }
}
