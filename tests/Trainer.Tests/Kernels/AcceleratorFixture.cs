using Trainer.Core.Kernels;

namespace Trainer.Tests.Kernels;

/// <summary>
/// One device per backend for the whole kernel test run: creating accelerators and compiling kernels costs
/// far more than the tests themselves.
/// </summary>
public sealed class AcceleratorFixture : IDisposable
{
    private readonly Dictionary<string, ComputeDevice> _devices = [];
    private readonly Lock _lock = new();

    /// <summary>ILGPU backends the tests run on: "cpu" (ILGPU's CPU accelerator) always, "cuda" when this machine has it.</summary>
    public static TheoryData<string> Backends
    {
        get
        {
            var data = new TheoryData<string> { "cpu" };
            if (ComputeDevice.IsCudaAvailable()) data.Add("cuda");
            return data;
        }
    }

    public ComputeDevice Get(string backend)
    {
        lock (_lock)
        {
            if (!_devices.TryGetValue(backend, out var device))
                _devices[backend] = device = ComputeDevice.Create(backend == "cuda" ? ComputeBackend.Cuda : ComputeBackend.Cpu);
            return device;
        }
    }

    public void Dispose()
    {
        foreach (var device in _devices.Values) device.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class AcceleratorCollection : ICollectionFixture<AcceleratorFixture>
{
    public const string Name = "Accelerators";
}
