using ILGPU;
using ILGPU.Runtime;
using Trainer.Core.Kernels;

namespace Trainer.Tests.Kernels;

/// <summary>
/// Base of the tests that run on every available backend: theories take a backend name from
/// <see cref="AcceleratorFixture.Backends"/> and get its shared device here.
/// </summary>
[Collection(AcceleratorCollection.Name)]
public abstract class DeviceTest(AcceleratorFixture fixture) : IDisposable
{
    private readonly List<IDisposable> _buffers = [];

    protected ComputeDevice Device(string backend) => fixture.Get(backend);

    /// <summary>A device copy of <paramref name="data"/>, freed when the test ends.</summary>
    protected ArrayView1D<T, Stride1D.Dense> Upload<T>(ComputeDevice device, T[] data) where T : unmanaged
    {
        var buffer = device.Accelerator.Allocate1D(data);
        _buffers.Add(buffer);
        return buffer.View;
    }

    protected static T[] Download<T>(ComputeDevice device, ArrayView1D<T, Stride1D.Dense> view) where T : unmanaged
    {
        device.Accelerator.Synchronize();
        return view.GetAsArray1D();
    }

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
        GC.SuppressFinalize(this);
    }
}
