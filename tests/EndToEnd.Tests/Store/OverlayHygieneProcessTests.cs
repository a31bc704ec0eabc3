using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Store;

/// <summary>min_count and eviction of unused rows against the real store process, across a kill and restart.</summary>
public class OverlayHygieneProcessTests
{
    /// <summary>Polls until <paramref name="done"/> holds; eviction runs on the server's timer, so tests wait for it rather than sleep.</summary>
    private static async Task<ViewInfo> WaitForViewAsync(EmbeddingStoreClient client, string view, Func<ViewInfo, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var info = await client.DescribeViewAsync(view);
            if (done(info)) return info;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"view {view} never reached the expected state: {info}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task MinCount_UnknownTokenReadsUnkUntilSeenEnough()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            await client.CreateTableAsync("t", 4);
            var created = await client.CreateViewAsync(new ViewOptions("v") { Table = "t", Unknown = UnknownPolicy.Create, MinCount = 3 });
            Assert.Equal(3, created.MinCount);

            var unk = (await client.ResolveAsync("v", ["<unk>"], UnknownPolicy.Unk))[0];
            Assert.Equal(unk, (await client.ResolveAsync("v", ["rare"]))[0]);
            Assert.Equal(1, (await client.DescribeViewAsync("v")).PendingTokens);
            Assert.Equal(unk, (await client.ResolveAsync("v", ["rare"]))[0]);
            var third = (await client.ResolveAsync("v", ["rare"]))[0];
            Assert.NotEqual(unk, third);
            Assert.Equal(third, (await client.ResolveAsync("v", ["rare"], UnknownPolicy.Fail))[0]);

            var info = await client.DescribeViewAsync("v");
            Assert.Equal(0, info.PendingTokens);
            Assert.Equal(2, info.OwnRows);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task EvictUnused_RowsAndCopiesGo_AndStayGoneAfterKill()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            long kept;
            using (var client = new EmbeddingStoreClient(server.Address))
            {
                await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
                await client.CreateTableAsync("t", 4);
                await client.CreateViewAsync(new ViewOptions("keep") { Table = "t", Unknown = UnknownPolicy.Create });
                var info = await client.CreateViewAsync(new ViewOptions("ev")
                {
                    ParentView = "keep",
                    Mode = TrainMode.FineTune,
                    Unknown = UnknownPolicy.Create,
                    EvictUnusedAfter = TimeSpan.FromMilliseconds(300),
                });
                Assert.Equal(300, info.EvictUnusedAfterMs);
                kept = (await client.ResolveAsync("keep", ["shared"]))[0];
                var (before, _, _) = await client.PullAsync("ev", [kept]);
                var own = await client.ResolveAsync("ev", ["@user", "<num>"]);
                await client.PushAsync("ev", PushKind.Delta, new[] { kept }, new float[] { 1, 1, 1, 1 });
                Assert.Equal(1, (await client.DescribeViewAsync("ev")).CopiedRows);

                var evicted = await WaitForViewAsync(client, "ev", v => v.OwnRows == 0 && v.CopiedRows == 0);
                Assert.Equal(3, evicted.EvictedRows);
                var gone = await Assert.ThrowsAsync<RpcException>(() => client.ResolveAsync("ev", ["@user"], UnknownPolicy.Fail));
                Assert.Equal(StatusCode.NotFound, gone.StatusCode);
                Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => client.PullAsync("ev", own))).StatusCode);
                // The evicted copy: the view reads its parent's row again.
                Assert.Equal(before, (await client.PullAsync("ev", [kept])).Vectors);
                Assert.Equal(1, (await client.DescribeViewAsync("keep")).OwnRows);
            }
            await server.KillAsync();

            await using var restarted = await ServerProcess.StartAsync(server.DataDir, server.ImportDir);
            using var again = new EmbeddingStoreClient(restarted.Address);
            await again.WaitForServingAsync(TimeSpan.FromSeconds(30));
            var after = await again.DescribeViewAsync("ev");
            Assert.Equal((0L, 0L, 3L), (after.OwnRows, after.CopiedRows, after.EvictedRows));
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => again.ResolveAsync("ev", ["@user"], UnknownPolicy.Fail))).StatusCode);
            Assert.Equal(kept, (await again.ResolveAsync("keep", ["shared"], UnknownPolicy.Fail))[0]);
        }
        finally { server.DeleteData(); }
    }
}
