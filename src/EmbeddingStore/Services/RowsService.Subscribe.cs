using EmbeddingStore.Protos;
using EmbeddingStore.Server.Limits;
using EmbeddingStore.Server.Security;
using Grpc.Core;

namespace EmbeddingStore.Server.Services;

public sealed partial class RowsService
{
    /// <summary>
    /// Streams the core's change sets. Each write waits for the client to take the message (HTTP/2 flow control),
    /// and the core reads the next one only then, so a slow client holds one message here, never a queue.
    /// The slot and the core's subscription end with the call, when the client disconnects too.
    /// </summary>
    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<ChangeBatch> responseStream, ServerCallContext context)
    {
        var store = host.Store;
        Limits.CheckTokens(request.Tokens);
        var dim = store.DimOf(request.View);
        using var slot = subscriptions.Acquire(CallerIdentity.Of(context));
        await foreach (var set in store.SubscribeAsync(ProtoMapping.ToSpec(request), context.CancellationToken))
            await responseStream.WriteAsync(ProtoMapping.ToProto(set, dim), context.CancellationToken);
    }
}
