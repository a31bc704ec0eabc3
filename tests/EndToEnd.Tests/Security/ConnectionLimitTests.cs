using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace EndToEnd.Tests.Security;

/// <summary>Kestrel's connection and stream limits, set by the server's flags, against the real server process.</summary>
public class ConnectionLimitTests
{
    [Fact]
    public async Task ConnectionsOverTheLimit_Refused_UntilOneCloses()
    {
        await using var server = await ServerProcess.StartAsync(extraArgs: ["--max-connections", "1"]);
        var first = new EmbeddingStoreClient(server.Address) { CallTimeout = TimeSpan.FromSeconds(30) };
        await first.WaitForServingAsync(TimeSpan.FromSeconds(30));
        await first.ListTablesAsync();
        using (var second = new EmbeddingStoreClient(server.Address) { CallTimeout = TimeSpan.FromSeconds(30) })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => second.ListTablesAsync());
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        }
        first.Dispose();
        using var third = new EmbeddingStoreClient(server.Address) { CallTimeout = TimeSpan.FromSeconds(30) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await third.ListTablesAsync();
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable) { await Task.Delay(100, timeout.Token); }
        }
    }

    [Fact]
    public async Task StreamsOverThePerConnectionLimit_WaitForAFreeOne()
    {
        await using var server = await ServerProcess.StartAsync(extraArgs: ["--max-streams-per-connection", "1"]);
        // One connection only, so that a call over the limit waits on it instead of opening another.
        using var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false };
        using var client = new EmbeddingStoreClient(server.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false })
        {
            CallTimeout = TimeSpan.FromSeconds(30),
        };
        await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
        await client.CreateTableAsync("t", 4);
        await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
        using var held = new CancellationTokenSource();
        using (var subscription = client.Rows.Subscribe(new SubscribeRequest { View = "v" }, cancellationToken: held.Token))
        {
            Assert.True(await subscription.ResponseStream.MoveNext(CancellationToken.None));
            var e = await Assert.ThrowsAsync<RpcException>(() =>
                client.Admin.ListTablesAsync(new ListTablesRequest(), deadline: DateTime.UtcNow.AddSeconds(2)).ResponseAsync);
            Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
            held.Cancel();
        }
        Assert.Contains(await client.ListTablesAsync(), t => t.Name == "t");
    }
}
