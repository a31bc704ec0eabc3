using Trainer.Core.Model;

namespace Trainer.Tests.Kernels;

public sealed class CnnDeviceTests
{
    [Theory]
    [InlineData("auto", DeviceKind.Auto)]
    [InlineData("cpu", DeviceKind.Cpu)]
    [InlineData(" ILGPU-CPU ", DeviceKind.IlgpuCpu)]
    [InlineData("CUDA", DeviceKind.Cuda)]
    [InlineData("opencl", DeviceKind.OpenCL)]
    public void Parse_KnownNames_AreAccepted(string option, DeviceKind expected) => Assert.Equal(expected, CnnDevice.Parse(option));

    [Fact]
    public void Parse_UnknownName_ListsTheChoices()
    {
        var error = Assert.Throws<ArgumentException>(() => CnnDevice.Parse("tpu"));
        Assert.Contains("auto, cpu, ilgpu-cpu, cuda or opencl", error.Message);
    }

    [Fact]
    public void Create_Cpu_MakesSimdModels()
    {
        using var device = CnnDevice.Create("cpu");
        using var model = device.CreateModel(new KimCnnConfig { Dim = 4, Positions = 5, Classes = 2 });
        Assert.Null(device.Accelerator);
        Assert.IsType<SimdCnn>(model);
        Assert.StartsWith("CPU: SIMD kernels", device.Description);
    }

    [Fact]
    public void Create_IlgpuCpu_MakesKernelModelsOnTheCpuAccelerator()
    {
        using var device = CnnDevice.Create("ilgpu-cpu");
        using var model = device.CreateModel(new KimCnnConfig { Dim = 4, Positions = 5, Classes = 2 });
        Assert.Equal(Trainer.Core.Kernels.ComputeBackend.Cpu, device.Accelerator?.Backend);
        Assert.IsType<KimCnn>(model);
    }

    [Fact]
    public void Create_AutoWithoutGpu_FallsBackToSimd()
    {
        using var device = CnnDevice.Create("auto");
        if (Trainer.Core.Kernels.ComputeDevice.IsCudaAvailable())
        {
            Assert.Equal(Trainer.Core.Kernels.ComputeBackend.Cuda, device.Accelerator?.Backend);
            return;
        }
        // An OpenCL device ILGPU can use would be taken; this machine's PoCL is refused, so the CPU path is chosen.
        Assert.True(device.Accelerator is null || device.Accelerator.Backend == Trainer.Core.Kernels.ComputeBackend.OpenCL);
        if (device.Accelerator is null) Assert.IsType<SimdCnn>(device.CreateModel(new KimCnnConfig { Dim = 4, Positions = 5, Classes = 2 }));
    }
}
