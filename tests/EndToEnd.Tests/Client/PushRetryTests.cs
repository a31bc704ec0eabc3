using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EndToEnd.Tests.Client;

/// <summary>
/// Pushes carry a request id and are retried with it after UNAVAILABLE or DEADLINE_EXCEEDED, against a fake store
/// that fails the first attempts and records what each attempt sent (the store's own deduplication is not needed).
/// </summary>
public class PushRetryTests
{
    private static readonly PushRetryPolicy Quick = new() { InitialBackoff = TimeSpan.FromMilliseconds(1) };

    /// <summary>A fake store whose Push fails with <paramref name="failures"/> in turn, then answers applied = 1.</summary>
    private static (EmbeddingStoreClient, FakeGrpcHandler) Failing(PushRetryPolicy retry, params StatusCode[] failures)
    {
        var attempts = 0;
        var handler = new FakeGrpcHandler((_, _) =>
        {
            var attempt = attempts++;
            if (attempt < failures.Length) throw new RpcException(new Status(failures[attempt], $"attempt {attempt + 1} fails"));
            return new PushResponse { Applied = 1, Version = 7, Replayed = attempt > 0 };
        });
        return (Client(handler, retry), handler);
    }

    private static EmbeddingStoreClient Client(FakeGrpcHandler handler, PushRetryPolicy retry, TimeSpan? callTimeout = null) =>
        new(GrpcChannel.ForAddress("http://fake", new GrpcChannelOptions { HttpHandler = handler })) { PushRetry = retry, CallTimeout = callTimeout };

    private static Task<PushResponse> Push(EmbeddingStoreClient client, ReadOnlyMemory<byte> requestId = default, CancellationToken cancellationToken = default) =>
        client.PushAsync("v", PushKind.Delta, new long[] { 3 }, new float[] { 1f, 2f }, requestId: requestId, cancellationToken: cancellationToken);

    private static ByteString[] SentIds(FakeGrpcHandler handler) => [.. handler.Calls.Select(c => PushRequest.Parser.ParseFrom(c.Request).RequestId)];

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded)]
    public async Task RetryableFailure_RetriedWithTheSameRequestId(StatusCode failure)
    {
        var (client, handler) = Failing(Quick, failure, failure);

        var response = await Push(client);

        Assert.Equal((1, 7L, true), (response.Applied, response.Version, response.Replayed));
        var ids = SentIds(handler);
        Assert.Equal(3, ids.Length);
        Assert.Equal(16, ids[0].Length);
        Assert.All(ids, id => Assert.Equal(ids[0], id));
        Assert.Equal(PushRequest.Parser.ParseFrom(handler.Calls[0].Request), PushRequest.Parser.ParseFrom(handler.Calls[2].Request));
    }

    [Fact]
    public async Task TwoPushes_DifferentRequestIds()
    {
        var (client, handler) = Failing(Quick);

        await Push(client);
        await Push(client);

        var ids = SentIds(handler);
        Assert.Equal(2, ids.Length);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task CallerRequestId_SentOnEveryAttempt()
    {
        var (client, handler) = Failing(Quick, StatusCode.Unavailable);
        byte[] mine = [1, 2, 3];

        await Push(client, mine);

        Assert.Equal([ByteString.CopyFrom(mine), ByteString.CopyFrom(mine)], SentIds(handler));
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.Cancelled)]
    public async Task OtherFailure_NotRetried(StatusCode failure)
    {
        var (client, handler) = Failing(Quick, failure);

        var error = await Assert.ThrowsAsync<RpcException>(() => Push(client));

        Assert.Equal(failure, error.StatusCode);
        Assert.Single(handler.Calls);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task AlwaysUnavailable_MaxAttemptsThenTheLastError(int attempts)
    {
        var (client, handler) = Failing(Quick with { MaxAttempts = attempts }, [.. Enumerable.Repeat(StatusCode.Unavailable, 10)]);

        var error = await Assert.ThrowsAsync<RpcException>(() => Push(client));

        Assert.Equal((StatusCode.Unavailable, $"attempt {attempts} fails"), (error.StatusCode, error.Status.Detail));
        Assert.Equal(attempts, handler.Calls.Count);
    }

    [Fact]
    public async Task PushAndRead_RetriedWithTheSameRequestId()
    {
        var attempts = 0;
        var handler = new FakeGrpcHandler((_, _) => attempts++ == 0
            ? throw new RpcException(new Status(StatusCode.Unavailable, "connection reset"))
            : new PushResponse { Applied = 1, Dim = 2, Vectors = VectorPacking.Pack([5f, 6f]) });
        var client = Client(handler, Quick);
        var rowsAfter = new float[2];

        await client.PushAndReadAsync("v", PushKind.Gradient, new long[] { 3 }, new float[] { 1f, 2f }, rowsAfter);

        Assert.Equal([5f, 6f], rowsAfter);
        var ids = SentIds(handler);
        Assert.Equal(2, ids.Length);
        Assert.Equal(ids[0], ids[1]);
        Assert.True(PushRequest.Parser.ParseFrom(handler.Calls[1].Request).ReturnRows);
    }

    [Fact]
    public async Task CallTimeout_EachAttemptGetsItsOwnDeadline()
    {
        var attempts = 0;
        var handler = new FakeGrpcHandler(async (_, _, ct) =>
        {
            if (attempts++ == 0) await Task.Delay(TimeSpan.FromSeconds(30), ct);   // the store does not answer in time
            return new PushResponse { Applied = 1 };
        });
        var client = Client(handler, Quick, callTimeout: TimeSpan.FromMilliseconds(300));

        var response = await Push(client);

        Assert.Equal(1, response.Applied);
        Assert.Equal(2, handler.Calls.Count);
        Assert.All(handler.Calls, call => Assert.NotNull(call.Timeout));
        Assert.Equal(SentIds(handler)[0], SentIds(handler)[1]);
    }

    [Fact]
    public async Task CancelledDuringBackoff_StopsWithoutAnotherAttempt()
    {
        using var cancel = new CancellationTokenSource();
        var handler = new FakeGrpcHandler((_, _) =>
        {
            cancel.CancelAfter(TimeSpan.FromMilliseconds(100));   // while the client waits to retry
            throw new RpcException(new Status(StatusCode.Unavailable, "down"));
        });
        var client = Client(handler, new PushRetryPolicy { InitialBackoff = TimeSpan.FromSeconds(30) });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Push(client, cancellationToken: cancel.Token));

        Assert.Single(handler.Calls);
    }

    [Fact]
    public async Task OtherCalls_NotRetried()
    {
        var handler = new FakeGrpcHandler((_, _) => throw new RpcException(new Status(StatusCode.Unavailable, "down")));
        var client = Client(handler, Quick);

        await Assert.ThrowsAsync<RpcException>(() => client.PullAsync("v", new long[] { 1 }, new float[2]));
        await Assert.ThrowsAsync<RpcException>(() => client.ResolveAsync("v", ["good"]));

        Assert.Equal(2, handler.Calls.Count);
    }

    [Fact]
    public void RequestId_LongerThan64Bytes_Refused() =>
        Assert.Throws<ArgumentException>(() => EmbeddingStoreClient.BuildPush("v", PushKind.Delta, [1], [1f], requestId: new byte[65]));

    [Fact]
    public void Backoff_GrowsByTheMultiplier_CappedWithJitterOfHalf()
    {
        var policy = new PushRetryPolicy { InitialBackoff = TimeSpan.FromMilliseconds(100), BackoffMultiplier = 2, MaxBackoff = TimeSpan.FromMilliseconds(300) };
        var random = new Random(1);
        for (var i = 0; i < 100; i++)
        {
            Assert.InRange(policy.Backoff(1, random).TotalMilliseconds, 50, 100);
            Assert.InRange(policy.Backoff(2, random).TotalMilliseconds, 100, 200);
            Assert.InRange(policy.Backoff(5, random).TotalMilliseconds, 150, 300);
        }
        Assert.Equal(3, PushRetryPolicy.Default.MaxAttempts);
        Assert.Equal(1, PushRetryPolicy.None.MaxAttempts);
        Assert.Equal("MaxAttempts", Assert.Throws<ArgumentOutOfRangeException>(() => new PushRetryPolicy { MaxAttempts = 0 }).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PushRetryPolicy { InitialBackoff = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PushRetryPolicy { BackoffMultiplier = 0.5 });
    }
}
