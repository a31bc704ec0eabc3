using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Trainer.Training;

namespace Trainer.Tests.Training;

/// <summary>The trainer's pushes go through the client library, so a push that meets UNAVAILABLE is retried with its request id.</summary>
public class StoreRowSourceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Push_UnavailableOnce_RetriedWithTheSameRequestId(bool readBack)
    {
        var attempts = 0;
        var handler = new FakeGrpcHandler((_, _) => attempts++ == 0
            ? throw new RpcException(new Status(StatusCode.Unavailable, "connection reset"))
            : new PushResponse { Applied = 1, Dim = readBack ? 2 : 0, Vectors = VectorPacking.Pack(readBack ? [5f, 6f] : []) });
        var client = new EmbeddingStoreClient(GrpcChannel.ForAddress("http://fake", new GrpcChannelOptions { HttpHandler = handler }))
        {
            PushRetry = new PushRetryPolicy { InitialBackoff = TimeSpan.FromMilliseconds(1) },
        };
        var source = StoreRowSource.Open(client, "v", staticView: null, dim: 2);
        var rowsAfter = readBack ? new float[2] : [];

        await source.PushAsync(new long[] { 3 }, new float[] { 0.5f, -1f }, rowsAfter, CancellationToken.None);

        var sent = handler.Calls.Select(c => PushRequest.Parser.ParseFrom(c.Request)).ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal(16, sent[0].RequestId.Length);
        Assert.Equal(sent[0], sent[1]);
        Assert.Equal((PushKind.Gradient, readBack), (sent[1].Kind, sent[1].ReturnRows));
        if (readBack) Assert.Equal([5f, 6f], rowsAfter);
    }
}
