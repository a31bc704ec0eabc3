using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Trainer.Core.Kernels;

/// <summary>
/// A device buffer that grows to the largest size asked of it, for per-batch scratch whose size follows the
/// batch (the last batch of an epoch is smaller). Growing discards the contents.
/// </summary>
public sealed class DeviceArray<T>(Accelerator accelerator) : IDisposable where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;

    /// <summary>The first <paramref name="length"/> elements, reallocating when the buffer is too small.</summary>
    public ArrayView1D<T, Stride1D.Dense> View(long length)
    {
        if (_buffer is null || _buffer.Length < length)
        {
            _buffer?.Dispose();
            _buffer = accelerator.Allocate1D<T>(Math.Max(1, length));
        }
        return _buffer.View.SubView(0, length);
    }

    /// <summary>Copies <paramref name="data"/> to the start of the buffer and returns that part.</summary>
    public ArrayView1D<T, Stride1D.Dense> Upload(ReadOnlySpan<T> data)
    {
        var view = View(data.Length);
        if (data.Length > 0) view.CopyFromCPU(ref MemoryMarshal.GetReference(data), data.Length);
        return view;
    }

    /// <summary>Copies the first <c>destination.Length</c> elements to the host (waits for queued kernels).</summary>
    public void Download(Span<T> destination)
    {
        if (destination.Length > 0) View(destination.Length).CopyToCPU(ref MemoryMarshal.GetReference(destination), destination.Length);
    }

    public void Dispose() => _buffer?.Dispose();
}
