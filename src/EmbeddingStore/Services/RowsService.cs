using System.Buffers;
using System.Runtime.InteropServices;
using EmbeddingStore.Core;
using EmbeddingStore.Protos;
using EmbeddingStore.Server.Limits;
using EmbeddingStore.Server.Security;
using Google.Protobuf;
using Grpc.Core;

namespace EmbeddingStore.Server.Services;

/// <summary>Resolve, pull and push: validate, convert, call the core.</summary>
public sealed partial class RowsService(StoreHost host, ServerOptions options, SubscriptionLimiter subscriptions) : Rows.RowsBase
{
    private StoreLimits Limits => options.Limits;

    public override Task<ResolveResponse> Resolve(ResolveRequest request, ServerCallContext context)
    {
        Limits.CheckTokens(request.Tokens);
        var result = host.Store.Resolve(request.View, request.Tokens, ProtoMapping.ToCore(request.UnknownPolicy), CallerIdentity.MayWrite(context));
        var reply = new ResolveResponse();
        reply.Ids.AddRange(result.Ids);
        reply.Created.AddRange(result.Created);
        reply.MappedToUnk.AddRange(result.MappedToUnk);
        return Task.FromResult(reply);
    }

    public override Task<PullResponse> Pull(PullRequest request, ServerCallContext context)
    {
        var store = host.Store;
        if (request.Tokens.Count > 0 && request.Ids.Count > 0)
            throw new StoreException(StoreError.InvalidArgument, "give tokens or ids, not both");
        Limits.CheckTokens(request.Tokens);
        Limits.CheckRows(request.Ids.Count);
        // Checked before resolving: resolving may create rows, and a refused request changes nothing.
        Limits.CheckFloats((long)(request.Tokens.Count + request.Ids.Count) * store.DimOf(request.View));
        long[] ids = request.Tokens.Count > 0
            ? store.Resolve(request.View, request.Tokens, ProtoMapping.ToCore(request.UnknownPolicy), CallerIdentity.MayWrite(context)).Ids
            : [.. request.Ids];
        var dim = store.DimOf(request.View);
        Limits.CheckFloats((long)ids.Length * dim);
        // The core writes the vectors straight into the buffer the response sends: a pooled one, lent to
        // the response and returned once the request is over (0.4-1.2 MB per batch would otherwise be a
        // large-object allocation per pull).
        var length = ids.Length * dim * sizeof(float);
        var bytes = PooledBuffer.LendTo(context, length);
        var meta = new Core.RowMeta[ids.Length];
        store.Pull(request.View, ids, MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length)), meta);
        var reply = new PullResponse { Dim = dim, Vectors = UnsafeByteOperations.UnsafeWrap(bytes.AsMemory(0, length)) };
        foreach (var m in meta) reply.Rows.Add(ProtoMapping.ToProto(m));
        return Task.FromResult(reply);
    }

    public override async Task<PushResponse> Push(PushRequest request, ServerCallContext context)
    {
        var store = host.Store;
        Limits.CheckRows(request.Ids.Count);
        var kind = ProtoMapping.ToCore(request.Kind);
        var bytes = request.Values.Span;
        if (bytes.Length % sizeof(float) != 0)
            throw new StoreException(StoreError.InvalidArgument, $"values hold {bytes.Length} bytes, not a whole number of float32");
        Limits.CheckFloats(bytes.Length / sizeof(float));
        // One copy: protobuf's buffer is not aligned for floats and the core keeps the values across an await.
        var values = ArrayPool<float>.Shared.Rent(bytes.Length / sizeof(float));
        try
        {
            var count = bytes.Length / sizeof(float);
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
            // The rows as the push leaves them go out in a pooled buffer, like a pull's (the push's values have
            // the same length, already checked against the limits).
            var dim = request.ReturnRows ? store.DimOf(request.View) : 0;
            var rowsLength = request.Ids.Count * dim * sizeof(float);
            var rowsAfter = request.ReturnRows ? PooledBuffer.LendTo(context, rowsLength) : null;
            var result = await store.PushAsync(request.View, kind, request.Ids.ToArray(), values.AsMemory(0, count),
                request.OnFrozen == OnFrozen.Report, request.Durability == Durability.Sync, context.CancellationToken,
                rowsAfter is null ? default : PooledBuffer.AsFloats(rowsAfter, rowsLength), request.RequestId.Memory);
            var reply = new PushResponse { Applied = result.Applied, Version = result.Version, Durable = result.Durable, Dim = dim, Replayed = result.Replayed };
            if (rowsAfter is not null) reply.Vectors = UnsafeByteOperations.UnsafeWrap(rowsAfter.AsMemory(0, rowsLength));
            foreach (var r in result.Rejected) reply.Rejected.Add(new Protos.RejectedRow { Id = r.Id, Reason = r.Reason });
            return reply;
        }
        finally { ArrayPool<float>.Shared.Return(values); }
    }
}
