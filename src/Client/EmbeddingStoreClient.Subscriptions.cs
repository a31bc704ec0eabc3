using System.Runtime.CompilerServices;
using Grpc.Core;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

/// <summary>
/// One message of a subscription: changed rows with their latest values (row <c>i</c> is
/// <c>Vectors[i * Dim .. (i + 1) * Dim]</c>), and <see cref="Version"/>, up to which every change has been seen:
/// pass it as <c>afterVersion</c> when reconnecting.
/// </summary>
/// <param name="CaughtUp">Ends the initial state or the catch-up; live changes follow.</param>
/// <param name="Resync">The rows are a full resend: the changes missed were no longer retained by the server.</param>
public sealed record RowChanges(int Dim, string[] Tokens, RowMeta[] Meta, float[] Vectors, string[] RemovedTokens,
    long Version, bool CaughtUp, bool Resync)
{
    /// <summary>The vector of the <paramref name="index"/>-th row of this message.</summary>
    public ReadOnlySpan<float> Vector(int index) => Vectors.AsSpan(index * Dim, Dim);
}

public sealed partial class EmbeddingStoreClient
{
    /// <summary>
    /// Follows rows of <paramref name="view"/>: <paramref name="tokens"/>, or every token starting with
    /// <paramref name="tokenPrefix"/>, or, with neither, every row the view (or an ancestor view) owns or has copied.
    /// With <paramref name="afterVersion"/> 0 the current state comes first; otherwise only what changed after that
    /// version (or a resync). Runs until cancelled, or until the server ends it (e.g. NOT_FOUND when the view is deleted).
    /// Not bounded by <see cref="CallTimeout"/>.
    /// </summary>
    /// <exception cref="RpcException">NOT_FOUND (view), INVALID_ARGUMENT (tokens and a prefix), RESOURCE_EXHAUSTED (too many subscriptions).</exception>
    public async IAsyncEnumerable<RowChanges> SubscribeAsync(string view, IReadOnlyList<string>? tokens = null, string? tokenPrefix = null,
        long afterVersion = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new SubscribeRequest { View = view, TokenPrefix = tokenPrefix ?? "", AfterVersion = afterVersion };
        if (tokens is not null) request.Tokens.AddRange(tokens);
        using var call = Rows.Subscribe(request, cancellationToken: cancellationToken);
        await foreach (var batch in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            var vectors = new float[batch.Tokens.Count * batch.Dim];
            VectorPacking.Unpack(batch.Vectors, batch.Tokens.Count, batch.Dim, vectors);
            yield return new RowChanges(batch.Dim, [.. batch.Tokens], [.. batch.Rows], vectors, [.. batch.RemovedTokens],
                batch.Version, batch.CaughtUp, batch.Resync);
        }
    }

    /// <summary>
    /// Pins what <paramref name="view"/> reads now as the static view <paramref name="name"/>: pull it, layer a new view on
    /// it (parent view = <paramref name="name"/>) or delete it like any view. Base rows keep their ids; rows the view
    /// created get new ids in the snapshot, so resolve tokens on it.
    /// </summary>
    /// <exception cref="RpcException">ALREADY_EXISTS (name), NOT_FOUND (view), INVALID_ARGUMENT (name).</exception>
    public async Task<ViewInfo> CreateSnapshotAsync(string view, string name, CancellationToken cancellationToken = default) =>
        await Admin.CreateSnapshotAsync(new CreateSnapshotRequest { View = view, Name = name }, Unary(cancellationToken));
}
