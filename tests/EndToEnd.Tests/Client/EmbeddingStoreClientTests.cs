using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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

    /// <summary>A fake store of 2-d rows: row i reads (i, 10 i); rows below 100 are immutable, the others trainable.</summary>
    private static (EmbeddingStoreClient, FakeGrpcHandler) FakeRows()
    {
        var handler = new FakeGrpcHandler((_, request) =>
        {
            var ids = PullRequest.Parser.ParseFrom(request).Ids;
            var response = new PullResponse { Dim = 2, Vectors = VectorPacking.Pack([.. ids.SelectMany(i => new[] { i, 10f * i })]) };
            response.Rows.AddRange(ids.Select(i => new RowMeta { Id = i, Immutable = i < 100, Trainable = i >= 100 }));
            return response;
        });
        var channel = GrpcChannel.ForAddress("http://fake", new GrpcChannelOptions { HttpHandler = handler });
        return (new EmbeddingStoreClient(channel), handler);
    }

    private static long[] SentIds(FakeGrpcHandler handler, int call) => [.. PullRequest.Parser.ParseFrom(handler.Calls[call].Request).Ids];

    [Fact]
    public async Task PullThroughCache_ImmutableRowsPulledOnce_OthersEveryTime()
    {
        var (client, handler) = FakeRows();
        var cache = new ImmutableRowCache("v", capacity: 100);
        var first = new float[6];
        var meta = await client.PullAsync(cache, new long[] { 1, 200, 2 }, first);
        Assert.Equal([1f, 10f, 200f, 2000f, 2f, 20f], first);
        Assert.Equal([1L, 200L, 2L], SentIds(handler, 0));

        var second = new float[8];
        meta = await client.PullAsync(cache, new long[] { 2, 200, 1, 3 }, second);

        Assert.Equal([2f, 20f, 200f, 2000f, 1f, 10f, 3f, 30f], second);
        Assert.Equal([200L, 3L], SentIds(handler, 1));
        Assert.Equal([2L, 200L, 1L, 3L], meta.Select(m => m.Id));
        Assert.Equal([false, true, false, false], meta.Select(m => m.Trainable));
        Assert.Equal((3, 2L, 5L), (cache.Count, cache.Hits, cache.Misses));
        Assert.Equal("v", PullRequest.Parser.ParseFrom(handler.Calls[1].Request).View);

        await client.PullAsync(cache, new long[] { 3, 1 }, new float[4]);
        Assert.Equal(2, handler.Calls.Count);
    }

    [Fact]
    public async Task PullThroughCache_Full_KeepsTheFirstRowsAndPullsTheRest()
    {
        var (client, handler) = FakeRows();
        var cache = new ImmutableRowCache("v", capacity: 2);
        await client.PullAsync(cache, new long[] { 1, 2, 3 }, new float[6]);
        var again = new float[6];
        await client.PullAsync(cache, new long[] { 1, 2, 3 }, again);
        Assert.Equal([3L], SentIds(handler, 1));
        Assert.Equal([1f, 10f, 2f, 20f, 3f, 30f], again);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void ImmutableRowCache_RowOfAnotherDimension_Refused()
    {
        var cache = new ImmutableRowCache("v", capacity: 10);
        cache.Offer(new RowMeta { Id = 1, Immutable = true }, [1f, 2f]);
        Assert.Throws<ArgumentException>(() => cache.Offer(new RowMeta { Id = 2, Immutable = true }, [1f, 2f, 3f]));
        cache.Offer(new RowMeta { Id = 3 }, [1f, 2f]);
        Assert.Equal(1, cache.Count);
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

    [Fact]
    public void CreateHandler_LargeStreamWindow_TrustsOnlyTheCaFileWhenGiven()
    {
        using var plain = EmbeddingStoreClient.CreateHandler(StoreCredentials.None);
        Assert.Equal(EmbeddingStoreClient.InitialStreamWindowBytes, plain.InitialHttp2StreamWindowSize);
        Assert.True(plain.EnableMultipleHttp2Connections);
        Assert.Null(plain.SslOptions.RemoteCertificateValidationCallback);

        var directory = Directory.CreateTempSubdirectory("client-handler-");
        try
        {
            var ca = Path.Combine(directory.FullName, "ca.pem");
            using var key = ECDsa.Create();
            var request = new CertificateRequest("CN=test-ca", key, HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(ca, certificate.ExportCertificatePem());
            using var trusting = EmbeddingStoreClient.CreateHandler(new StoreCredentials(CaCertificateFile: ca));
            Assert.Equal(EmbeddingStoreClient.InitialStreamWindowBytes, trusting.InitialHttp2StreamWindowSize);
            Assert.NotNull(trusting.SslOptions.RemoteCertificateValidationCallback);

            var empty = Path.Combine(directory.FullName, "empty.pem");
            File.WriteAllText(empty, "not a certificate\n");
            var error = Assert.Throws<InvalidDataException>(() => EmbeddingStoreClient.CreateHandler(new StoreCredentials(CaCertificateFile: empty)));
            Assert.Contains(empty, error.Message);
        }
        finally { directory.Delete(recursive: true); }
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
