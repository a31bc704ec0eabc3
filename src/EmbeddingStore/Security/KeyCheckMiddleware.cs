using Grpc.Core;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// Refuses, from the request's headers alone and before gRPC reads its body, a call of the store's services without a
/// valid key (UNAUTHENTICATED) or whose key lacks the least scope the method ever needs (PERMISSION_DENIED: a read
/// key's Push, a non-admin key's UploadFile). gRPC reads a unary or server-streaming call's whole message before any
/// interceptor runs, up to <c>--max-message-bytes</c>; a refused call's body is never read here, so an unknown key
/// makes the server hold no more than HTTP/2 flow control let in before the answer. Refusals are counted in the call
/// metrics as the interceptors count calls. What depends on the message (the
/// views it names, the scope of a Resolve or Pull) is decided afterwards by <see cref="AuthInterceptor"/>, which also
/// checks everything again. The answer is a gRPC "trailers-only" response, as gRPC itself sends for a refused call.
/// </summary>
public sealed class KeyCheckMiddleware(RequestDelegate next, KeyRing keys)
{
    public Task InvokeAsync(HttpContext http)
    {
        var method = http.Request.Path.Value ?? "";
        if (!AuthInterceptor.IsGuarded(method) || http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
            return next(http);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        RpcException? refusal;
        try
        {
            var key = AuthInterceptor.Authenticate(keys, http.Request.Headers.Authorization.FirstOrDefault());
            refusal = MethodScopes.Rules.TryGetValue(method, out var rule)
                ? AuthInterceptor.ScopeRefusal(key, method, rule.Least)
                : AuthInterceptor.Denied($"{method} has no access rule; no key may call it");
        }
        catch (RpcException e) { refusal = e; }
        if (refusal is null) return next(http);
        // Counted as the interceptors would have; a method without a rule is not, so that made-up names add no series.
        if (MethodScopes.Rules.ContainsKey(method)) MetricsInterceptor.Record(method, started, refusal.StatusCode);
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)refusal.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(refusal.Status.Detail);
        return Task.CompletedTask;
    }
}
