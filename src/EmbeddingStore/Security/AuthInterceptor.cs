using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// Checks the caller's API key (metadata <c>authorization: Bearer &lt;key&gt;</c>) against <see cref="MethodScopes"/>
/// before any handler runs. The decision uses only the key, the method and the names in the request, never the
/// store's contents, so a refusal reads the same whether the table or view exists or not. <see cref="KeyCheckMiddleware"/>
/// has already refused, before the request's body was read, what the headers alone decide.
/// A streaming call is checked again whenever the key file is reloaded: it ends with UNAUTHENTICATED when its key is
/// gone, with PERMISSION_DENIED when the key no longer covers it.
/// </summary>
public sealed class AuthInterceptor(KeyRing keys, StoreHost host) : Interceptor
{
    public const string MissingKey = "an API key is required: send metadata 'authorization: Bearer <key>'";
    public const string UnknownKey = "the API key is not valid";
    public const string RemovedKey = "the API key is no longer valid: it was removed from the key file";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        WhileAuthorized(context, null, Authorize(context, null), call => continuation(requestStream, call));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        WhileAuthorized(context, request, Authorize(context, request), async call =>
        {
            await continuation(request, responseStream, call);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        WhileAuthorized(context, null, Authorize(context, null), async call =>
        {
            await continuation(requestStream, responseStream, call);
            return true;
        });

    /// <summary>Whether the method is one of the store's own, which need a key (health and reflection do not).</summary>
    public static bool IsGuarded(string method) => method.StartsWith($"/{MethodScopes.Package}.", StringComparison.Ordinal);

    /// <returns>The caller's key, or null for a method that needs none.</returns>
    private ApiKey? Authorize(ServerCallContext context, object? request)
    {
        if (!IsGuarded(context.Method)) return null;
        var key = Authenticate(keys, context.RequestHeaders.GetValue("authorization"));
        context.UserState[CallerIdentity.KeyItem] = key;
        if (Refusal(key, context.Method, request) is { } refusal) throw refusal;
        return key;
    }

    /// <summary>
    /// Runs a streaming call with a cancellation token that also fires when a reload of the key file takes away what
    /// the call needs; the call then ends with that refusal.
    /// </summary>
    private async Task<T> WhileAuthorized<T>(ServerCallContext context, object? request, ApiKey? key, Func<ServerCallContext, Task<T>> run)
    {
        if (key is null) return await run(context);
        using var revoked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        RpcException? refusal = null;
        void Recheck()
        {
            var current = keys.FindByHash(key.Sha256);
            var now = current is null ? new RpcException(new Status(StatusCode.Unauthenticated, RemovedKey)) : Refusal(current, context.Method, request);
            if (now is null || Interlocked.CompareExchange(ref refusal, now, null) is not null) return;
            try { revoked.Cancel(); }
            catch (ObjectDisposedException) { } // the call has ended meanwhile
        }
        keys.Reloaded += Recheck;
        try { return await run(new RevocableCallContext(context, revoked.Token)); }
        catch (Exception) when (Volatile.Read(ref refusal) is not null) { throw refusal!; }
        finally { keys.Reloaded -= Recheck; }
    }

    /// <summary>Why <paramref name="key"/> may not make this call, or null when it may.</summary>
    private RpcException? Refusal(ApiKey key, string method, object? request)
    {
        if (!MethodScopes.Rules.TryGetValue(method, out var rule))
            return Denied($"{method} has no access rule; no key may call it");
        // Views first: the scope of a Resolve or Pull may depend on the view's settings, which only a key allowed
        // that view may learn anything about.
        foreach (var view in rule.Views(request))
            if (!key.CoversView(view))
                return Denied($"key '{key.Name}' may not use view '{view}'");
        return ScopeRefusal(key, method, rule.Scope(request, () => host.Store));
    }

    /// <summary>PERMISSION_DENIED when the key lacks <paramref name="scope"/>, else null.</summary>
    internal static RpcException? ScopeRefusal(ApiKey key, string method, Scope scope) => key.Has(scope)
        ? null
        : Denied($"key '{key.Name}' lacks the {scope.ToString().ToLowerInvariant()} scope that {method[(method.LastIndexOf('/') + 1)..]} needs");

    /// <summary>The key of an <c>authorization</c> header's value.</summary>
    /// <exception cref="RpcException">UNAUTHENTICATED: no bearer key, or one the key file does not hold.</exception>
    internal static ApiKey Authenticate(KeyRing keys, string? header)
    {
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw new RpcException(new Status(StatusCode.Unauthenticated, MissingKey));
        return keys.Find(header["Bearer ".Length..].Trim()) ?? throw new RpcException(new Status(StatusCode.Unauthenticated, UnknownKey));
    }

    internal static RpcException Denied(string message) => new(new Status(StatusCode.PermissionDenied, message));
}
