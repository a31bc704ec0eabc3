using EmbeddingStore.Protos;
using Grpc.Core;

namespace EmbeddingStore.Server.Services;

public sealed partial class AdminService
{
    public override async Task<ViewInfo> CreateSnapshot(CreateSnapshotRequest request, ServerCallContext context) =>
        ProtoMapping.ToProto(await host.Store.CreateSnapshotAsync(request.View, request.Name, context.CancellationToken));
}
