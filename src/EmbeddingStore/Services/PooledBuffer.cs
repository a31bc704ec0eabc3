using System.Buffers;
using System.Runtime.InteropServices;
using Grpc.Core;

namespace EmbeddingStore.Server.Services;

/// <summary>
/// A byte array from the shared pool that a response may wrap without copying (UnsafeByteOperations): it goes
/// back to the pool when the HTTP request is disposed, after gRPC has serialised and sent the response.
/// </summary>
internal sealed class PooledBuffer : IDisposable
{
    private byte[]? _array;

    private PooledBuffer(byte[] array) => _array = array;

    /// <summary>Rents at least <paramref name="length"/> bytes for the lifetime of the call.</summary>
    public static byte[] LendTo(ServerCallContext context, int length)
    {
        var array = ArrayPool<byte>.Shared.Rent(length);
        context.GetHttpContext().Response.RegisterForDispose(new PooledBuffer(array));
        return array;
    }

    /// <summary>
    /// The first <paramref name="length"/> bytes of <paramref name="bytes"/> as float memory, for core calls that
    /// fill it across an await (a span cannot be kept there). <paramref name="length"/> is a multiple of 4.
    /// </summary>
    public static Memory<float> AsFloats(byte[] bytes, int length) => new FloatMemory(bytes, length).Memory;

    private sealed class FloatMemory(byte[] bytes, int length) : MemoryManager<float>
    {
        public override Span<float> GetSpan() => MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length));

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            return new MemoryHandle((float*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
        }

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null) ArrayPool<byte>.Shared.Return(array);
    }
}
