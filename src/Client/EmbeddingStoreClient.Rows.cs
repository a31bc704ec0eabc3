using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

public sealed partial class EmbeddingStoreClient
{
    /// <summary>Maps tokens to row ids through <paramref name="view"/>, one id per token in order.</summary>
    /// <param name="policy">Overrides the view's unknown-token policy; <see cref="UnknownPolicy.Unspecified"/> keeps it.</param>
    /// <exception cref="RpcException">NOT_FOUND: no such view, or unknown tokens under the FAIL policy.</exception>
    public async Task<long[]> ResolveAsync(string view, IReadOnlyList<string> tokens, UnknownPolicy policy = UnknownPolicy.Unspecified,
        CancellationToken cancellationToken = default)
    {
        var request = new ResolveRequest { View = view, UnknownPolicy = policy };
        request.Tokens.AddRange(tokens);
        var response = await Rows.ResolveAsync(request, Unary(cancellationToken));
        return [.. response.Ids];
    }

    /// <summary>
    /// Reads rows by id into <paramref name="destination"/>, which must hold exactly <c>ids.Length * dim</c> floats.
    /// </summary>
    /// <returns>Per-row metadata, in request order.</returns>
    /// <exception cref="InvalidOperationException">The response does not fit <paramref name="destination"/> exactly.</exception>
    /// <exception cref="RpcException">NOT_FOUND: unknown view or row id.</exception>
    public async Task<RowMeta[]> PullAsync(string view, ReadOnlyMemory<long> ids, Memory<float> destination, CancellationToken cancellationToken = default)
    {
        var request = new PullRequest { View = view };
        request.Ids.AddRange(ids.ToArray());
        var response = await Rows.PullAsync(request, Unary(cancellationToken));
        VectorPacking.Unpack(response.Vectors, ids.Length, response.Dim, destination.Span);
        return [.. response.Rows];
    }

    /// <summary>
    /// Reads rows by id through <paramref name="cache"/>'s view: rows the cache keeps are copied from it, the others
    /// are pulled in one call (none when every row is kept), and those the store marks immutable are kept for next time.
    /// <paramref name="destination"/> must hold exactly <c>ids.Length * dim</c> floats.
    /// </summary>
    /// <returns>Per-row metadata, in request order.</returns>
    /// <exception cref="RpcException">NOT_FOUND: unknown view or row id (among the rows not kept).</exception>
    public async Task<RowMeta[]> PullAsync(ImmutableRowCache cache, ReadOnlyMemory<long> ids, Memory<float> destination,
        CancellationToken cancellationToken = default)
    {
        if (ids.Length == 0) return await PullAsync(cache.View, ids, destination, cancellationToken);
        if (destination.Length % ids.Length != 0)
            throw new InvalidOperationException($"destination holds {destination.Length} floats, not a whole number of rows for {ids.Length} ids");
        var dim = destination.Length / ids.Length;
        var meta = new RowMeta[ids.Length];
        var missing = new List<int>();
        for (var i = 0; i < ids.Length; i++)
            if (!cache.TryGet(ids.Span[i], destination.Span.Slice(i * dim, dim), out meta[i])) missing.Add(i);
        cache.Tally(ids.Length - missing.Count, missing.Count);
        if (missing.Count == 0) return meta;

        var missingIds = new long[missing.Count];
        for (var j = 0; j < missing.Count; j++) missingIds[j] = ids.Span[missing[j]];
        var pulled = new float[missing.Count * dim];
        var pulledMeta = await PullAsync(cache.View, missingIds, pulled, cancellationToken);
        for (var j = 0; j < missing.Count; j++)
        {
            var row = pulled.AsSpan(j * dim, dim);
            row.CopyTo(destination.Span.Slice(missing[j] * dim, dim));
            meta[missing[j]] = pulledMeta[j];
            cache.Offer(pulledMeta[j], row);
        }
        return meta;
    }

    /// <summary>Reads rows by id into a new array.</summary>
    /// <returns>The vectors (row after row), the view's dimension and per-row metadata.</returns>
    public async Task<(float[] Vectors, int Dim, RowMeta[] Meta)> PullAsync(string view, IReadOnlyList<long> ids, CancellationToken cancellationToken = default)
    {
        var request = new PullRequest { View = view };
        request.Ids.AddRange(ids);
        var response = await Rows.PullAsync(request, Unary(cancellationToken));
        var vectors = new float[ids.Count * response.Dim];
        VectorPacking.Unpack(response.Vectors, ids.Count, response.Dim, vectors);
        return (vectors, response.Dim, [.. response.Rows]);
    }

    /// <summary>
    /// Resolves tokens (applying <paramref name="policy"/>) and reads their rows into <paramref name="destination"/>
    /// in one call; <paramref name="destination"/> must hold exactly <c>tokens.Count * dim</c> floats.
    /// </summary>
    /// <exception cref="InvalidOperationException">The response does not fit <paramref name="destination"/> exactly.</exception>
    /// <exception cref="RpcException">NOT_FOUND: unknown view, or unknown tokens under the FAIL policy.</exception>
    public async Task<(long[] Ids, RowMeta[] Meta)> PullTokensAsync(string view, IReadOnlyList<string> tokens, Memory<float> destination,
        UnknownPolicy policy = UnknownPolicy.Unspecified, CancellationToken cancellationToken = default)
    {
        var response = await PullTokensRawAsync(view, tokens, policy, cancellationToken);
        VectorPacking.Unpack(response.Vectors, tokens.Count, response.Dim, destination.Span);
        return ([.. response.Rows.Select(r => r.Id)], [.. response.Rows]);
    }

    /// <summary>Resolves tokens and reads their rows into a new array, for callers that do not know the dimension yet.</summary>
    public async Task<(float[] Vectors, int Dim, RowMeta[] Meta)> PullTokensAsync(string view, IReadOnlyList<string> tokens,
        UnknownPolicy policy = UnknownPolicy.Unspecified, CancellationToken cancellationToken = default)
    {
        var response = await PullTokensRawAsync(view, tokens, policy, cancellationToken);
        var vectors = new float[tokens.Count * response.Dim];
        VectorPacking.Unpack(response.Vectors, tokens.Count, response.Dim, vectors);
        return (vectors, response.Dim, [.. response.Rows]);
    }

    /// <summary>
    /// Sends sparse updates: <paramref name="values"/> holds one <c>dim</c>-long vector per id, row after row.
    /// After UNAVAILABLE or DEADLINE_EXCEEDED the push is sent again with the same request id, as
    /// <see cref="PushRetry"/> allows; the last error is thrown when no attempt is left.
    /// </summary>
    /// <param name="onFrozen">REFUSE fails the whole push on a non-trainable row; REPORT applies the rest and lists it.</param>
    /// <param name="requestId">The push's request id (1 to 64 bytes; <see cref="NewRequestId"/>), for a caller that retries
    /// the push itself beyond <see cref="PushRetry"/>; empty: a fresh random one.</param>
    /// <returns>The store's answer; <c>Replayed</c> when the store had already applied this request id (a retry of a push
    /// whose first answer was lost), its other fields then those of the first answer.</returns>
    /// <exception cref="RpcException">INVALID_ARGUMENT (length, NaN/Inf), FAILED_PRECONDITION (frozen row under REFUSE), NOT_FOUND.</exception>
    public async Task<PushResponse> PushAsync(string view, PushKind kind, ReadOnlyMemory<long> ids, ReadOnlyMemory<float> values,
        OnFrozen onFrozen = OnFrozen.Refuse, Durability durability = Durability.Default, ReadOnlyMemory<byte> requestId = default,
        CancellationToken cancellationToken = default) =>
        await PushWithRetryAsync(BuildPush(view, kind, ids.Span, values.Span, onFrozen, durability, requestId: requestId.Span), cancellationToken);

    /// <summary>
    /// Pushes like <see cref="PushAsync"/> (retries included) and reads back, in the same call, the rows as this push left
    /// them into <paramref name="rowsAfter"/> (<c>ids.Length * dim</c> floats, one row per id in order; a row the push did
    /// not apply reads as it is now; in a replayed answer every row reads as it is now). A trainer uses it for the rows its
    /// next step shares with this one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The returned rows do not fit <paramref name="rowsAfter"/> exactly.</exception>
    /// <exception cref="RpcException">As <see cref="PushAsync"/>.</exception>
    public async Task<PushResponse> PushAndReadAsync(string view, PushKind kind, ReadOnlyMemory<long> ids, ReadOnlyMemory<float> values,
        Memory<float> rowsAfter, OnFrozen onFrozen = OnFrozen.Refuse, Durability durability = Durability.Default,
        ReadOnlyMemory<byte> requestId = default, CancellationToken cancellationToken = default)
    {
        var request = BuildPush(view, kind, ids.Span, values.Span, onFrozen, durability, returnRows: true, requestId.Span);
        var response = await PushWithRetryAsync(request, cancellationToken);
        VectorPacking.Unpack(response.Vectors, ids.Length, response.Dim, rowsAfter.Span);
        return response;
    }

    /// <summary>
    /// Builds the Push message; the values are copied once, straight into the request's bytes. The request id is
    /// <paramref name="requestId"/>, or a fresh random one when it is empty.
    /// </summary>
    public static PushRequest BuildPush(string view, PushKind kind, ReadOnlySpan<long> ids, ReadOnlySpan<float> values,
        OnFrozen onFrozen = OnFrozen.Refuse, Durability durability = Durability.Default, bool returnRows = false,
        ReadOnlySpan<byte> requestId = default)
    {
        if (ids.Length == 0 ? values.Length != 0 : values.Length % ids.Length != 0)
            throw new ArgumentException($"{values.Length} values do not split into {ids.Length} equal rows", nameof(values));
        if (requestId.Length > MaxRequestIdBytes)
            throw new ArgumentException($"a request id has 1 to {MaxRequestIdBytes} bytes, not {requestId.Length}", nameof(requestId));
        var request = new PushRequest
        {
            View = view,
            Kind = kind,
            Values = VectorPacking.Pack(values),
            OnFrozen = onFrozen,
            Durability = durability,
            ReturnRows = returnRows,
            RequestId = requestId.IsEmpty ? NewRequestId() : ByteString.CopyFrom(requestId),
        };
        request.Ids.AddRange(ids.ToArray());
        return request;
    }

    /// <summary>The longest request id the store accepts.</summary>
    public const int MaxRequestIdBytes = 64;

    /// <summary>A fresh request id: 16 random bytes.</summary>
    public static ByteString NewRequestId() => UnsafeByteOperations.UnsafeWrap(RandomNumberGenerator.GetBytes(16));

    /// <summary>Sends <paramref name="request"/> up to <see cref="PushRetry"/>'s attempts, each with its own deadline.</summary>
    private async Task<PushResponse> PushWithRetryAsync(PushRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Rows.PushAsync(request, Unary(cancellationToken));
            }
            catch (RpcException e) when (attempt < PushRetry.MaxAttempts && PushRetryPolicy.IsRetryable(e.StatusCode)
                                         && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(PushRetry.Backoff(attempt), cancellationToken);
            }
        }
    }

    private async Task<PullResponse> PullTokensRawAsync(string view, IReadOnlyList<string> tokens, UnknownPolicy policy, CancellationToken cancellationToken)
    {
        var request = new PullRequest { View = view, UnknownPolicy = policy };
        request.Tokens.AddRange(tokens);
        return await Rows.PullAsync(request, Unary(cancellationToken));
    }
}
