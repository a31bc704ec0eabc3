using Grpc.Core;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// A call's context with a cancellation token of its own: the call's, or the key's revocation
/// (<see cref="AuthInterceptor"/>), whichever comes first. Everything else is the call's.
/// </summary>
internal sealed class RevocableCallContext : ServerCallContext
{
    /// <summary>Where grpc-dotnet's <c>GetHttpContext</c> finds the HttpContext of a context it did not make (it activates the service with it).</summary>
    private const string HttpContextKey = "__HttpContext";

    private readonly ServerCallContext _call;
    private readonly CancellationToken _cancellationToken;

    public RevocableCallContext(ServerCallContext call, CancellationToken cancellationToken)
    {
        _call = call;
        _cancellationToken = cancellationToken;
        call.UserState[HttpContextKey] = call.GetHttpContext();
    }

    protected override string MethodCore => _call.Method;
    protected override string HostCore => _call.Host;
    protected override string PeerCore => _call.Peer;
    protected override DateTime DeadlineCore => _call.Deadline;
    protected override Metadata RequestHeadersCore => _call.RequestHeaders;
    protected override CancellationToken CancellationTokenCore => _cancellationToken;
    protected override Metadata ResponseTrailersCore => _call.ResponseTrailers;

    protected override Status StatusCore
    {
        get => _call.Status;
        set => _call.Status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => _call.WriteOptions;
        set => _call.WriteOptions = value;
    }

    protected override AuthContext AuthContextCore => _call.AuthContext;
    protected override IDictionary<object, object> UserStateCore => _call.UserState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => _call.CreatePropagationToken(options);

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => _call.WriteResponseHeadersAsync(responseHeaders);
}
