using System.Diagnostics;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EndToEnd.Tests.Client;

public class EmbeddingStoreClientTests
{
    [Fact]
    public async Task PullIntoMemory_CopiesVectorsAndMeta()
    {
        var (client, handler) = Fake(new PullResponse
        {
            Dim = 2,
            Vectors = VectorPacking.Pack([1f, 2f, 3f, 4f]),
            Rows = { new RowMeta { Id = 5, Origin = RowOrigin.Base }, new RowMeta { Id = 6, Origin = RowOrigin.View, Trainable = true } },
        });
        var destination = new float[4];

        var meta = await client.PullAsync("v", new long[] { 5, 6 }, destination);

        Assert.Equal([1f, 2f, 3f, 4f], destination);
        Assert.Equal([5L, 6L], meta.Select(m => m.Id));
        var sent = PullRequest.Parser.ParseFrom(handler.Calls.Single().Request);
        Assert.Equal(("/embstore.v1.Rows/Pull", "v"), (handler.Calls[0].Method, sent.View));
        Assert.Equal([5L, 6L], sent.Ids);
    }

    [Fact]
    public async Task PullIntoTooSmallMemory_ThrowsInvalidOperation()
    {
        var (client, _) = Fake(new PullResponse { Dim = 3, Vectors = VectorPacking.Pack(new float[3]), Rows = { new RowMeta() } });

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.PullAsync("v", new long[] { 1 }, new float[2]));
    }

    [Fact]
    public async Task PullTokens_SendsTokensAndPolicyAndReturnsIds()
    {
        var (client, handler) = Fake(new PullResponse { Dim = 1, Vectors = VectorPacking.Pack([0.5f]), Rows = { new RowMeta { Id = 42 } } });
        var destination = new float[1];

        var (ids, _) = await client.PullTokensAsync("v", ["movie"], destination, UnknownPolicy.Create);

        Assert.Equal([42L], ids);
        Assert.Equal([0.5f], destination);
        var sent = PullRequest.Parser.ParseFrom(handler.Calls.Single().Request);
        Assert.Equal((UnknownPolicy.Create, "movie"), (sent.UnknownPolicy, sent.Tokens.Single()));
    }

    [Fact]
    public async Task Push_SendsPackedValues()
    {
        var (client, handler) = Fake(new PushResponse { Applied = 1, Version = 9 });

        var response = await client.PushAsync("v", PushKind.Gradient, new long[] { 3 }, new float[] { 0.5f, -1f });

        Assert.Equal(9, response.Version);
        var sent = PushRequest.Parser.ParseFrom(handler.Calls.Single().Request);
        Assert.Equal(VectorPacking.Pack([0.5f, -1f]), sent.Values);
    }

    [Fact]
    public async Task CallTimeout_SendsDeadlineWithUnaryCall()
    {
        var (client, handler) = Fake(new TableInfo { Name = "t" }, TimeSpan.FromSeconds(30));

        await client.DescribeTableAsync("t");

        var sent = handler.Calls.Single().Timeout;
        Assert.NotNull(sent);
        Assert.InRange(GrpcTimeout(sent), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task NoCallTimeout_SendsNoDeadline()
    {
        var (client, handler) = Fake(new ResolveResponse { Ids = { 7 } });

        var ids = await client.ResolveAsync("v", ["the"]);

        Assert.Equal([7L], ids);
        Assert.Null(handler.Calls.Single().Timeout);
    }

    [Fact]
    public async Task WaitForServing_NobodyListening_TimesOutNamingAddress()
    {
        using var client = new EmbeddingStoreClient("http://127.0.0.1:1");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitForServingAsync(TimeSpan.FromMilliseconds(300)));

        Assert.Contains("127.0.0.1:1", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    private static (EmbeddingStoreClient, FakeGrpcHandler) Fake(IMessage reply, TimeSpan? callTimeout = null)
    {
        var handler = new FakeGrpcHandler((_, _) => reply);
        var channel = GrpcChannel.ForAddress("http://fake", new GrpcChannelOptions { HttpHandler = handler });
        return (new EmbeddingStoreClient(channel) { CallTimeout = callTimeout }, handler);
    }

    // The grpc-timeout header: an integer of at most 8 digits, then its unit (Hours, Minutes, Seconds, milli, micro, nano).
    private static TimeSpan GrpcTimeout(string header)
    {
        var amount = long.Parse(header[..^1], System.Globalization.CultureInfo.InvariantCulture);
        return header[^1] switch
        {
            'H' => TimeSpan.FromHours(amount),
            'M' => TimeSpan.FromMinutes(amount),
            'S' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMilliseconds(amount),
            'u' => TimeSpan.FromMicroseconds(amount),
            'n' => TimeSpan.FromTicks(amount / 100),
            var unit => throw new FormatException($"grpc-timeout '{header}' has unknown unit '{unit}'"),
        };
    }
}
