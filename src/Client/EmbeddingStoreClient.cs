using System.Runtime.InteropServices;
using EmbeddingStore.Protos;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace EmbeddingStore.Client;

/// <summary>
/// Typed access to an embedding store. Failures surface as <see cref="RpcException"/> with the status
/// code the store documents for each method (NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION...).
/// Thread-safe; create one per process and share it.
/// </summary>
public sealed partial class EmbeddingStoreClient : IDisposable
{
    /// <summary>Large enough for pulls and pushes of the biggest batch the store accepts.</summary>
    public const int MaxMessageBytes = 128 << 20;

    private readonly GrpcChannel _channel;
    private readonly bool _ownsChannel;

    public EmbeddingStoreClient(string address, GrpcChannelOptions? options = null)
        : this(GrpcChannel.ForAddress(address, WithLimits(options ?? new GrpcChannelOptions())), ownsChannel: true)
    {
    }

    /// <summary>Over an existing channel (e.g. an in-memory test server's), which the caller keeps owning.</summary>
    public EmbeddingStoreClient(GrpcChannel channel) : this(channel, ownsChannel: false)
    {
    }

    private EmbeddingStoreClient(GrpcChannel channel, bool ownsChannel)
    {
        _channel = channel;
        _ownsChannel = ownsChannel;
        Admin = new Admin.AdminClient(channel);
        Rows = new Rows.RowsClient(channel);
    }

    private static GrpcChannelOptions WithLimits(GrpcChannelOptions options)
    {
        options.MaxReceiveMessageSize ??= MaxMessageBytes;
        options.MaxSendMessageSize ??= MaxMessageBytes;
        return options;
    }

    /// <summary>The generated stubs, for calls this class does not wrap.</summary>
    public Admin.AdminClient Admin { get; }
    public Rows.RowsClient Rows { get; }

    public string Address => _channel.Target;

    /// <summary>Waits until the store's health service reports SERVING (it opens and recovers before that).</summary>
    public async Task WaitForServingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var health = new Health.HealthClient(_channel);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving) return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded) { }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"the store at {Address} was not serving within {timeout}");
            await Task.Delay(100, cancellationToken);
        }
    }

    // ------------------------------------------------------------------ rows

    public async Task<long[]> ResolveAsync(string view, IReadOnlyList<string> tokens, UnknownPolicy policy = UnknownPolicy.Unspecified,
        CancellationToken cancellationToken = default)
    {
        var request = new ResolveRequest { View = view, UnknownPolicy = policy };
        request.Tokens.AddRange(tokens);
        var reply = await Rows.ResolveAsync(request, cancellationToken: cancellationToken);
        return [.. reply.Ids];
    }

    /// <summary>Reads rows by id straight into <paramref name="destination"/> (ids.Length * dim floats).</summary>
    public async Task<RowMeta[]> PullAsync(string view, ReadOnlyMemory<long> ids, Memory<float> destination,
        CancellationToken cancellationToken = default)
    {
        var request = new PullRequest { View = view };
        request.Ids.AddRange(ids.ToArray());
        var reply = await Rows.PullAsync(request, cancellationToken: cancellationToken);
        CopyVectors(reply, ids.Length, destination.Span);
        return [.. reply.Rows];
    }

    /// <summary>Reads rows by token (resolved with the policy) into <paramref name="destination"/>.</summary>
    public async Task<(long[] Ids, RowMeta[] Meta)> PullTokensAsync(string view, IReadOnlyList<string> tokens, Memory<float> destination,
        UnknownPolicy policy = UnknownPolicy.Unspecified, CancellationToken cancellationToken = default)
    {
        var request = new PullRequest { View = view, UnknownPolicy = policy };
        request.Tokens.AddRange(tokens);
        var reply = await Rows.PullAsync(request, cancellationToken: cancellationToken);
        CopyVectors(reply, tokens.Count, destination.Span);
        return ([.. reply.Rows.Select(r => r.Id)], [.. reply.Rows]);
    }

    /// <summary>Reads rows by id into a new array.</summary>
    public async Task<(float[] Vectors, int Dim, RowMeta[] Meta)> PullAsync(string view, IReadOnlyList<long> ids,
        CancellationToken cancellationToken = default)
    {
        var request = new PullRequest { View = view };
        request.Ids.AddRange(ids);
        var reply = await Rows.PullAsync(request, cancellationToken: cancellationToken);
        var vectors = new float[ids.Count * reply.Dim];
        CopyVectors(reply, ids.Count, vectors);
        return (vectors, reply.Dim, [.. reply.Rows]);
    }

    private static void CopyVectors(PullResponse reply, int rows, Span<float> destination)
    {
        var floats = MemoryMarshal.Cast<byte, float>(reply.Vectors.Span);
        if (floats.Length != rows * reply.Dim)
            throw new InvalidOperationException($"the store returned {floats.Length} floats for {rows} rows of {reply.Dim}");
        if (destination.Length < floats.Length)
            throw new ArgumentException($"destination holds {destination.Length} floats; {rows} rows of {reply.Dim} need {floats.Length}");
        floats.CopyTo(destination);
    }

    /// <summary>Sends a sparse update; see <see cref="PushKind"/>. Gradients go to the view's server-side optimizer.</summary>
    public Task<PushResponse> PushAsync(string view, PushKind kind, ReadOnlyMemory<long> ids, ReadOnlyMemory<float> values,
        OnFrozen onFrozen = OnFrozen.Refuse, Durability durability = Durability.Default, CancellationToken cancellationToken = default)
    {
        var request = new PushRequest
        {
            View = view,
            Kind = kind,
            Values = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.Span)),
            OnFrozen = onFrozen,
            Durability = durability,
        };
        request.Ids.AddRange(ids.ToArray());
        return Rows.PushAsync(request, cancellationToken: cancellationToken).ResponseAsync;
    }

    public void Dispose()
    {
        if (_ownsChannel) _channel.Dispose();
    }
}
