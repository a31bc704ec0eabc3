using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// Checks the caller's API key (metadata <c>authorization: Bearer &lt;key&gt;</c>) against <see cref="MethodScopes"/>
/// before any handler runs. The decision uses only the key, the method and the names in the request, never the
/// store's contents, so a refusal reads the same whether the table or view exists or not.
/// </summary>
public sealed class AuthInterceptor(KeyRing keys, StoreHost host) : Interceptor
{
    public const string MissingKey = "an API key is required: send metadata 'authorization: Bearer <key>'";
    public const string UnknownKey = "the API key is not valid";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, null);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, null);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context, object? request)
    {
        var method = context.Method;
        if (!method.StartsWith($"/{MethodScopes.Package}.", StringComparison.Ordinal)) return;
        var key = Authenticate(context);
        context.UserState[CallerIdentity.KeyItem] = key;
        if (!MethodScopes.Rules.TryGetValue(method, out var rule))
            throw Denied($"{method} has no access rule; no key may call it");
        // Views first: the scope of a Resolve or Pull may depend on the view's settings, which only a key allowed
        // that view may learn anything about.
        foreach (var view in rule.Views(request))
            if (!key.CoversView(view))
                throw Denied($"key '{key.Name}' may not use view '{view}'");
        var scope = rule.Scope(request, () => host.Store);
        if (!key.Has(scope))
            throw Denied($"key '{key.Name}' lacks the {scope.ToString().ToLowerInvariant()} scope that {method[(method.LastIndexOf('/') + 1)..]} needs");
    }

    private ApiKey Authenticate(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw new RpcException(new Status(StatusCode.Unauthenticated, MissingKey));
        return keys.Find(header["Bearer ".Length..].Trim()) ?? throw new RpcException(new Status(StatusCode.Unauthenticated, UnknownKey));
    }

    private static RpcException Denied(string message) => new(new Status(StatusCode.PermissionDenied, message));
}
