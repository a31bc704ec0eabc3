using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Health.V1;
using Grpc.Net.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

/// <summary>
/// Typed client for the embedding store's gRPC API (services <c>Admin</c> and <c>Rows</c>).
/// Server errors surface unchanged as <see cref="RpcException"/>: the status code says what went wrong
/// (NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION...) and the detail names the culprit.
/// </summary>
public sealed partial class EmbeddingStoreClient : IDisposable
{
    /// <summary>Message size limit both ways: a Pull of many 300-d rows easily exceeds gRPC's 4 MiB default.</summary>
    public const int MaxMessageBytes = 256 * 1024 * 1024;

    /// <summary>
    /// The HTTP/2 receive window each call starts with, where .NET's is 64 KiB. A pull of 1,000 rows answers 0.4-1.2 MB;
    /// with 64 KiB the server stopped for the client's window updates several times per response. With 4 MiB the
    /// server spent 13-20 % less CPU per pulled row (3 % for 100-d rows with 16 clients) and MR epochs through the
    /// store ran 2-11 % faster (docs/benchmarks.md, "Making it fast"); 16 MiB was a loss (each response buffered in
    /// fresh arrays, 16 clients in the GC).
    /// </summary>
    public const int InitialStreamWindowBytes = 4 * 1024 * 1024;

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly bool _ownsChannel;

    /// <summary>Connects to <paramref name="address"/> (e.g. <c>http://127.0.0.1:5191</c>); the connection opens lazily.</summary>
    /// <param name="options">Channel options; the message size limits are raised to <see cref="MaxMessageBytes"/> unless set.</param>
    public EmbeddingStoreClient(string address, GrpcChannelOptions? options = null) : this(address, StoreCredentials.None, options) { }

    /// <summary>
    /// Connects to <paramref name="address"/> (<c>https://</c> for a TLS endpoint) with an API key and/or a CA certificate.
    /// </summary>
    /// <param name="options">Channel options; a handler or HTTP client of its own replaces the client's (with its
    /// <see cref="InitialStreamWindowBytes"/> and the trust in <paramref name="credentials"/>' CA file).</param>
    public EmbeddingStoreClient(string address, StoreCredentials credentials, GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        options.MaxReceiveMessageSize ??= MaxMessageBytes;
        options.MaxSendMessageSize ??= MaxMessageBytes;
        if (options.HttpHandler is null && options.HttpClient is null)
        {
            options.HttpHandler = CreateHandler(credentials);
            options.DisposeHttpClient = true;
        }
        _channel = GrpcChannel.ForAddress(address, options);
        _ownsChannel = true;
        _invoker = WithKey(_channel.CreateCallInvoker(), credentials.ApiKey);
        (Admin, Rows) = (new Admin.AdminClient(_invoker), new Rows.RowsClient(_invoker));
    }

    /// <summary>
    /// The HTTP handler this client's channels use: HTTP/2 with <see cref="InitialStreamWindowBytes"/>, more than one
    /// connection when a connection's concurrent stream limit is reached, and trust only in <paramref name="credentials"/>'
    /// CA file when it names one. For callers who build a channel of their own (a proxy, other timeouts) on top of it.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(StoreCredentials credentials)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, InitialHttp2StreamWindowSize = InitialStreamWindowBytes };
        credentials.ApplyTo(handler);
        return handler;
    }

    /// <summary>Uses an existing channel (e.g. one over a TestServer handler); the caller keeps ownership of it.</summary>
    public EmbeddingStoreClient(GrpcChannel channel, string? apiKey = null)
    {
        _channel = channel;
        _invoker = WithKey(_channel.CreateCallInvoker(), apiKey);
        (Admin, Rows) = (new Admin.AdminClient(_invoker), new Rows.RowsClient(_invoker));
    }

    /// <summary>
    /// The key travels as call metadata rather than channel call credentials, which gRPC sends only over TLS: a store on
    /// loopback may require keys without TLS.
    /// </summary>
    private static CallInvoker WithKey(CallInvoker invoker, string? apiKey) => apiKey is null
        ? invoker
        : invoker.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + apiKey);
            return metadata;
        });

    /// <summary>The server's address, as the channel sees it.</summary>
    public string Address => _channel.Target;

    /// <summary>
    /// Deadline for each unary call (Resolve, Pull, Push, create/list/describe/delete, Checkpoint); null waits as long as
    /// the cancellation token allows. Unlike a cancelled token, the deadline travels to the server, which stops work
    /// nobody waits for, and an expired one fails with DEADLINE_EXCEEDED. Imports and exports are not bounded by it:
    /// their length grows with the file, so cancel them through their token.
    /// </summary>
    public TimeSpan? CallTimeout { get; init; }

    /// <summary>
    /// How pushes (<see cref="PushAsync"/>, <see cref="PushAndReadAsync"/>) are retried after UNAVAILABLE or
    /// DEADLINE_EXCEEDED, each retry with the push's request id; <see cref="PushRetryPolicy.Default"/> (3 attempts) unless
    /// set, <see cref="PushRetryPolicy.None"/> for none. No other call is retried.
    /// </summary>
    public PushRetryPolicy PushRetry { get; init; } = PushRetryPolicy.Default;

    /// <summary>The raw generated stub of the Admin service, for calls the typed API does not cover.</summary>
    public Admin.AdminClient Admin { get; }

    /// <summary>The raw generated stub of the Rows service.</summary>
    public Rows.RowsClient Rows { get; }

    /// <summary>
    /// Polls the standard gRPC health service (service name "") until it reports SERVING.
    /// Unavailable servers and NOT_SERVING answers are retried; other RPC errors are thrown.
    /// </summary>
    /// <exception cref="TimeoutException">The server did not report SERVING within <paramref name="timeout"/>.</exception>
    public async Task WaitForServingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var health = new Health.HealthClient(_invoker);
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: deadline, cancellationToken: cancellationToken);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving) return;
                last = reply.Status.ToString();
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                last = $"{e.StatusCode}: {e.Status.Detail}";
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        throw new TimeoutException($"embedding store at {Address} was not serving after {timeout.TotalSeconds:0.#} s (last: {last})");
    }

    private CallOptions Unary(CancellationToken cancellationToken) =>
        new(deadline: CallTimeout is { } timeout ? DateTime.UtcNow + timeout : null, cancellationToken: cancellationToken);

    public void Dispose()
    {
        if (_ownsChannel) _channel.Dispose();
    }
}
