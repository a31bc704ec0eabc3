using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Store;

/// <summary>Subscribe against the real store process: live changes, reconnects, slow subscribers, the per-client limit.</summary>
public class SubscriptionProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static async Task<EmbeddingStoreClient> ConnectWithViewAsync(ServerProcess server, int dim, params string[] tokens)
    {
        var client = new EmbeddingStoreClient(server.Address);
        await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
        await client.CreateTableAsync("t", dim);
        await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create, Init = InitKind.Zeros });
        if (tokens.Length > 0) await client.ResolveAsync("v", tokens);
        return client;
    }

    /// <summary>Reads messages into <paramref name="latest"/> (token to vector) until one satisfies <paramref name="done"/>.</summary>
    private static async Task<List<RowChanges>> ReadUntil(IAsyncEnumerator<RowChanges> changes, Func<RowChanges, bool> done,
        Dictionary<string, float[]>? latest = null)
    {
        var read = new List<RowChanges>();
        while (true)
        {
            Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Patience), "the subscription ended");
            var message = changes.Current;
            read.Add(message);
            for (var i = 0; i < message.Tokens.Length; i++)
                if (latest is not null) latest[message.Tokens[i]] = message.Vector(i).ToArray();
            if (done(message)) return read;
        }
    }

    private static float[] Fill(int rows, int dim, float value) => Enumerable.Repeat(value, rows * dim).ToArray();

    [Fact]
    public async Task Subscribe_InitialStateLiveChangesAndReconnect_NothingMissed()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var client = await ConnectWithViewAsync(server, 4, "@user", "<num>");
            var ids = await client.ResolveAsync("v", ["@user", "<num>"]);
            using var watcher = new EmbeddingStoreClient(server.Address);
            long seen;
            using (var stop = new CancellationTokenSource())
            {
                await using var changes = watcher.SubscribeAsync("v", cancellationToken: stop.Token).GetAsyncEnumerator();
                var initial = await ReadUntil(changes, m => m.CaughtUp);
                Assert.Equal(["<num>", "@user"], initial.SelectMany(m => m.Tokens).Order(StringComparer.Ordinal));

                var pushed = await client.PushAsync("v", PushKind.Delta, ids[..1], Fill(1, 4, 1f));
                var live = await ReadUntil(changes, m => m.Tokens.Length > 0);
                Assert.Equal("@user", live[^1].Tokens.Single());
                Assert.Equal(pushed.Version, live[^1].Meta[0].Version);
                Assert.Equal(Fill(1, 4, 1f), live[^1].Vectors);
                seen = live[^1].Version;
                stop.Cancel();
            }

            // While disconnected: three pushes to one row, one to another, and a new row.
            for (var i = 0; i < 3; i++) await client.PushAsync("v", PushKind.Delta, ids[..1], Fill(1, 4, 1f));
            await client.PushAsync("v", PushKind.Assign, ids[1..], Fill(1, 4, 7f));
            await client.ResolveAsync("v", ["<url>"]);

            var latest = new Dictionary<string, float[]>();
            await using var again = watcher.SubscribeAsync("v", afterVersion: seen).GetAsyncEnumerator();
            var caughtUp = await ReadUntil(again, m => m.CaughtUp, latest);
            Assert.DoesNotContain(caughtUp, m => m.Resync);
            Assert.Equal(3, caughtUp.Sum(m => m.Tokens.Length));
            Assert.Equal(Fill(1, 4, 4f), latest["@user"]);
            Assert.Equal(Fill(1, 4, 7f), latest["<num>"]);
            Assert.Equal(Fill(1, 4, 0f), latest["<url>"]);

            await client.PushAsync("v", PushKind.Delta, ids[1..], Fill(1, 4, 1f));
            await ReadUntil(again, m => m.Tokens.Contains("<num>"), latest);
            Assert.Equal(Fill(1, 4, 8f), latest["<num>"]);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task SubscribeChildView_ParentChangesArriveThroughIt()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var client = await ConnectWithViewAsync(server, 4, "@user");
            await client.CreateViewAsync(new CreateViewRequest { Name = "child", View = "v", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Fail });
            await using var changes = client.SubscribeAsync("child", tokens: ["@user"]).GetAsyncEnumerator();
            await ReadUntil(changes, m => m.CaughtUp);
            var id = await client.ResolveAsync("v", ["@user"]);
            await client.PushAsync("v", PushKind.Assign, id, Fill(1, 4, 3f));
            var live = await ReadUntil(changes, m => m.Tokens.Length > 0);
            Assert.Equal(Fill(1, 4, 3f), live[^1].Vectors);
            Assert.False(live[^1].Meta[0].Own);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task SlowSubscriber_HeavyPushes_PushesFinishMemoryBoundedAndItEndsWithLatestValues()
    {
        const int Rows = 2000, Dim = 4, WarmUpPushes = 200, Pushes = 600;
        await using var server = await ServerProcess.StartAsync(extraArgs: ["--change-feed-rows", "1000"]);
        try
        {
            var tokens = Enumerable.Range(0, Rows).Select(i => $"<r{i}>").ToArray();
            using var client = await ConnectWithViewAsync(server, Dim, tokens);
            var ids = await client.ResolveAsync("v", tokens);
            using var slow = new EmbeddingStoreClient(server.Address);
            await using var changes = slow.SubscribeAsync("v", tokenPrefix: "<").GetAsyncEnumerator();
            var latest = new Dictionary<string, float[]>();
            await ReadUntil(changes, m => m.CaughtUp, latest);

            // The subscriber reads nothing from here on. After a warm-up (the heap settles at its working size), another
            // 800,000 row changes are pushed: buffering them for the subscriber would take more than 80 MB.
            long lastVersion = 0, residentAfterWarmUp = 0;
            for (var p = 1; p <= Pushes; p++)
            {
                lastVersion = (await client.PushAsync("v", PushKind.Assign, ids, Fill(Rows, Dim, p)).WaitAsync(Patience)).Version;
                if (p == WarmUpPushes) residentAfterWarmUp = server.ResidentBytes;
            }
            var growth = server.ResidentBytes - residentAfterWarmUp;
            Assert.True(growth < 32L << 20, $"server memory grew by {growth >> 20} MiB while the subscriber was stalled");

            var resumed = await ReadUntil(changes, m => m.Version >= lastVersion, latest);
            Assert.Contains(resumed, m => m.Resync);
            Assert.Equal(Rows, latest.Count);
            Assert.All(latest.Values, v => Assert.Equal(Fill(1, Dim, Pushes), v));
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task TooManySubscriptions_ResourceExhaustedNamingTheLimit_FreedOnDisconnect()
    {
        await using var server = await ServerProcess.StartAsync(extraArgs: ["--max-subscriptions-per-client", "2"]);
        try
        {
            using var client = await ConnectWithViewAsync(server, 4, "@user");
            using var first = new CancellationTokenSource();
            await using var a = client.SubscribeAsync("v", cancellationToken: first.Token).GetAsyncEnumerator();
            await using var b = client.SubscribeAsync("v").GetAsyncEnumerator();
            await ReadUntil(a, m => m.CaughtUp);
            await ReadUntil(b, m => m.CaughtUp);

            await using (var c = client.SubscribeAsync("v").GetAsyncEnumerator())
            {
                var refused = await Assert.ThrowsAsync<RpcException>(() => c.MoveNextAsync().AsTask());
                Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
                Assert.Contains("limit 2 (--max-subscriptions-per-client)", refused.Status.Detail);
            }

            first.Cancel();
            // The server frees the slot once it sees the cancellation; poll until a new subscription is accepted.
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                await using var d = client.SubscribeAsync("v").GetAsyncEnumerator();
                try
                {
                    await ReadUntil(d, m => m.CaughtUp);
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }
        finally { server.DeleteData(); }
    }
}
