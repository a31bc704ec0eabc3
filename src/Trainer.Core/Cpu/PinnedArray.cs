using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Trainer.Core.Cpu;

/// <summary>
/// A pinned array that grows to the largest length asked of it, so kernels can keep a raw pointer across a
/// parallel loop and a step allocates nothing once the largest batch has been seen. Growing discards the contents.
/// </summary>
internal sealed unsafe class PinnedArray<T> where T : unmanaged
{
    public T[] Array { get; private set; } = [];
    public T* Pointer { get; private set; }

    public T* Ensure(long length)
    {
        if (Array.Length < length)
        {
            Array = GC.AllocateArray<T>((int)length, pinned: true);
            Pointer = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Array));
        }
        return Pointer;
    }

    public Span<T> Span(int length) => Array.AsSpan(0, length);
}
