using Trainer.Kernels;

namespace Trainer.Tests.Kernels;

public sealed class ComputeDeviceTests
{
    [Theory]
    [InlineData("auto", ComputeBackend.Auto)]
    [InlineData("CUDA", ComputeBackend.Cuda)]
    [InlineData(" opencl ", ComputeBackend.OpenCL)]
    [InlineData("cpu", ComputeBackend.Cpu)]
    public void ParseBackend_KnownNames_AreAccepted(string option, ComputeBackend expected) =>
        Assert.Equal(expected, ComputeDevice.ParseBackend(option));

    [Fact]
    public void ParseBackend_UnknownName_ListsTheChoices()
    {
        var error = Assert.Throws<ArgumentException>(() => ComputeDevice.ParseBackend("tpu"));
        Assert.Contains("auto, cuda, opencl or cpu", error.Message);
    }

    [Fact]
    public void Create_CudaWithoutCudaDevice_FailsWithClearMessage()
    {
        if (ComputeDevice.IsCudaAvailable())
        {
            using var device = ComputeDevice.Create("cuda");
            Assert.Equal(ComputeBackend.Cuda, device.Backend);
            return;
        }
        var error = Assert.Throws<InvalidOperationException>(() => ComputeDevice.Create("cuda"));
        Assert.Contains("no usable CUDA device", error.Message);
    }

    [Fact]
    public void Create_CpuWithThreeThreads_LaunchesThreeThreads()
    {
        using var device = ComputeDevice.Create(ComputeBackend.Cpu, cpuThreads: 3);
        Assert.Equal(ComputeBackend.Cpu, device.Backend);
        Assert.Equal(3, device.Parallelism);
        Assert.Equal(3, Work.Threads(device, 1000));
        Assert.Equal(1, Work.Threads(device, 1));
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(2, 3)]
    [InlineData(1025, 2)]
    public void WorkStart_ChunksCoverEveryItemOnce(int items, int threads)
    {
        var covered = Enumerable.Range(0, threads)
            .SelectMany(t => Enumerable.Range(Work.Start(t, threads, items), Work.Start(t + 1, threads, items) - Work.Start(t, threads, items)));
        Assert.Equal(Enumerable.Range(0, items), covered);
    }
}
