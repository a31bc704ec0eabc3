using EmbeddingStore.Core;
using VectorFormats;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EmbeddingStore.Server;

/// <summary>The one place where the core's errors become gRPC status codes.</summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(request, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { return await continuation(requestStream, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try { await continuation(request, responseStream, context); }
        catch (Exception e) when (e is not RpcException) { throw Map(e, context); }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        var (code, detail) = e switch
        {
            StoreException s => (Code(s.Error), s.Message),
            VectorFormatException f => (StatusCode.InvalidArgument, f.Message),
            OperationCanceledException when context.Deadline <= DateTime.UtcNow => (StatusCode.DeadlineExceeded, "deadline exceeded"),
            OperationCanceledException => (StatusCode.Cancelled, "cancelled"),
            _ => (StatusCode.Internal, "internal error; the server log has the details"),
        };
        if (code == StatusCode.Internal) ServerLog.CallFailed(logger, context.Method, e);
        return new RpcException(new Status(code, detail));
    }

    public static StatusCode Code(StoreError error) => error switch
    {
        StoreError.NotFound => StatusCode.NotFound,
        StoreError.AlreadyExists => StatusCode.AlreadyExists,
        StoreError.InvalidArgument => StatusCode.InvalidArgument,
        StoreError.FailedPrecondition => StatusCode.FailedPrecondition,
        StoreError.PermissionDenied => StatusCode.PermissionDenied,
        StoreError.ResourceExhausted => StatusCode.ResourceExhausted,
        StoreError.Unavailable => StatusCode.Unavailable,
        StoreError.Aborted => StatusCode.Aborted,
        _ => StatusCode.Unknown,
    };
}
