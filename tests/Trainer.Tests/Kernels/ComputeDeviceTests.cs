using Trainer.Core.Kernels;

namespace Trainer.Tests.Kernels;

public sealed class ComputeDeviceTests
{
    [Fact]
    public void Create_CudaWithoutCudaDevice_FailsWithClearMessage()
    {
        if (ComputeDevice.IsCudaAvailable())
        {
            using var device = ComputeDevice.Create(ComputeBackend.Cuda);
            Assert.Equal(ComputeBackend.Cuda, device.Backend);
            return;
        }
        var error = Assert.Throws<InvalidOperationException>(() => ComputeDevice.Create(ComputeBackend.Cuda));
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
