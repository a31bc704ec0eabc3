using System.Buffers;
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

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null) ArrayPool<byte>.Shared.Return(array);
    }
}
