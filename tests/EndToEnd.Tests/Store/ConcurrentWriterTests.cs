using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Store;

/// <summary>Several trainers (clients on their own channels) writing one view at once through the real server process.</summary>
public class ConcurrentWriterTests
{
    private static async Task<EmbeddingStoreClient> ConnectAsync(ServerProcess server)
    {
        var client = new EmbeddingStoreClient(server.Address);
        await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
        return client;
    }

    [Fact]
    public async Task ConcurrentDeltaPushers_SameRows_ExactSums()
    {
        const int Writers = 4, PushesEach = 100, Dim = 256;
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var admin = await ConnectAsync(server);
            await admin.CreateTableAsync("t", Dim);
            await admin.CreateViewAsync(new CreateViewRequest { Name = "base", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create, Init = InitKind.Zeros });
            var tokens = Enumerable.Range(0, 50).Select(i => $"w{i}").ToArray();
            var ids = await admin.ResolveAsync("base", tokens);
            // The rows belong to the parent: the first pushes through the fine-tune view race to create its copies.
            await admin.CreateViewAsync(new CreateViewRequest { Name = "v", View = "base", Mode = TrainMode.FineTune, UnknownPolicy = UnknownPolicy.Fail });

            await Task.WhenAll(Enumerable.Range(1, Writers).Select(writer => Task.Run(async () =>
            {
                using var client = await ConnectAsync(server);
                var delta = Enumerable.Repeat((float)writer, ids.Length * Dim).ToArray();
                for (var p = 0; p < PushesEach; p++) await client.PushAsync("v", PushKind.Delta, ids, delta);
            })));

            var (vectors, _, meta) = await admin.PullAsync("v", ids);
            const float Expected = PushesEach * Writers * (Writers + 1) / 2;
            Assert.All(vectors, v => Assert.Equal(Expected, v));
            Assert.All(meta, m => Assert.Equal(RowOrigin.Copy, m.Origin));
            Assert.Equal(ids.Length, (await admin.DescribeViewAsync("v")).CopiedRows);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task PullsDuringConcurrentAssigns_NeverSeeAHalfWrittenRow()
    {
        const int Dim = 2048, Rows = 64, PushesEach = 150;
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var admin = await ConnectAsync(server);
            await admin.CreateTableAsync("t", Dim);
            await admin.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create, Init = InitKind.Zeros });
            var ids = await admin.ResolveAsync("v", Enumerable.Range(0, Rows).Select(i => $"r{i}").ToArray());

            // Every write makes each row's elements all equal; a torn read would mix two writes' values within one row.
            var pushers = Enumerable.Range(1, 2).Select(writer => Task.Run(async () =>
            {
                using var client = await ConnectAsync(server);
                for (var p = 1; p <= PushesEach; p++)
                    await client.PushAsync("v", PushKind.Assign, ids, Enumerable.Repeat(writer * 1000f + p, Rows * Dim).ToArray());
            })).ToArray();
            var writing = Task.WhenAll(pushers);
            var pulls = 0;
            var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                using var client = await ConnectAsync(server);
                var buffer = new float[Rows * Dim];
                do
                {
                    await client.PullAsync("v", ids, buffer);
                    Interlocked.Increment(ref pulls);
                    for (var r = 0; r < Rows; r++)
                    {
                        var row = buffer.AsSpan(r * Dim, Dim);
                        var other = row.IndexOfAnyExcept(row[0]);
                        if (other >= 0) Assert.Fail($"row {r} mixes {row[0]} and {row[other]}");
                    }
                } while (!writing.IsCompleted);
            })).ToArray();
            await Task.WhenAll([writing, .. readers]);
            Assert.True(pulls >= 2, $"only {pulls} pulls overlapped the pushes");
        }
        finally { server.DeleteData(); }
    }
}
