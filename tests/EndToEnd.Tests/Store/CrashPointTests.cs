using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Store;

/// <summary>
/// The real server killed at each named step of its writes (<see cref="CrashPoints"/>, armed by EMBSTORE_CRASH_AT)
/// while clients import, create tokens, push durably, evict, snapshot, checkpoint and compact; after the restart every
/// invariant holds: the table whole, every acknowledged token on its own row, every acknowledged durable push there.
/// </summary>
public class CrashPointTests
{
    private const int Dim = 100, TableRows = 22_120;
    private static string SmallGlove => RepoPaths.SharedData("vectors", "glove-6b-100d-mr-sst2-trec.bin");

    /// <summary>Every value of EmbeddingStore.Core.CrashPoint (a name the server does not know stops it at start).</summary>
    public static TheoryData<string> Points =>
    [
        "RowCreating", "RowCreated", "PushApplying", "PushApplied", "PushCommitted", "CheckpointCatalogSaved", "CheckpointWritten",
        "CheckpointLogTruncated", "CompactionCopied", "CompactionShifted", "ImportRowsWritten", "ImportCheckpointed", "SnapshotReserved",
        "SnapshotCopied", "RowEvicting",
    ];

    private const string CrashAtVariable = "EMBSTORE_CRASH_AT";

    [Theory]
    [MemberData(nameof(Points))]
    public Task KilledAtStep_RestartKeepsEveryInvariant(string point) => CrashAndCheckAsync(point, powerCut: false);

    /// <summary>
    /// A power cut rather than a process kill at the steps around commits and checkpoints: no write after the cut reaches
    /// a file (what a kill would let the kernel finish).
    /// </summary>
    [Theory]
    [InlineData("RowCreated")]
    [InlineData("PushApplied")]
    [InlineData("PushCommitted")]
    [InlineData("CheckpointWritten")]
    [InlineData("CheckpointLogTruncated")]
    [InlineData("CompactionShifted")]
    [InlineData("SnapshotCopied")]
    public Task PowerCutAtStep_RestartKeepsEveryInvariant(string point) => CrashAndCheckAsync(point, powerCut: true);

    private static async Task CrashAndCheckAsync(string point, bool powerCut)
    {
        var killed = await ServerProcess.StartWithEnvironmentAsync(new Dictionary<string, string>
        {
            [CrashAtVariable] = powerCut ? $"{point}:1:power" : point,
        });
        // Tokens whose creation a later durable push's commit covers (a default write may be lost within the flush interval).
        var acknowledged = new Dictionary<string, long>();
        var created = new Dictionary<string, long>();
        var durableAcks = 0;
        long[] pushed = [];
        float[] start = [];
        var imported = false;
        try
        {
            using (var client = new EmbeddingStoreClient(killed.Address) { PushRetry = PushRetryPolicy.None })
            {
                try
                {
                    await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
                    File.Copy(SmallGlove, Path.Combine(killed.ImportDir, "glove.bin"));
                    await client.ImportFileAsync("glove", "glove.bin");
                    imported = true;
                    await client.CreateViewAsync(new CreateViewRequest { Name = "static", Table = "glove", Mode = TrainMode.Static });
                    await client.CreateViewAsync(new CreateViewRequest { Name = "overlay", Table = "glove", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
                    await client.CreateViewAsync(new CreateViewRequest
                    {
                        Name = "fleeting",
                        Table = "glove",
                        Mode = TrainMode.Overlay,
                        UnknownPolicy = UnknownPolicy.Create,
                        EvictUnusedAfterMs = 100,
                    });
                    var ones = Enumerable.Repeat(1f, 50 * Dim).ToArray();
                    for (var round = 0; round < 40; round++)
                    {
                        var tokens = Enumerable.Range(0, 50).Select(i => $"@r{round}t{i}").ToArray();
                        var ids = await client.ResolveAsync("overlay", tokens, UnknownPolicy.Create);
                        for (var i = 0; i < tokens.Length; i++) created[tokens[i]] = ids[i];
                        if (round == 0) (pushed, start) = (ids, (await client.PullAsync("overlay", ids)).Vectors);
                        await client.PushAsync("overlay", PushKind.Delta, pushed, ones, durability: Durability.Sync);
                        durableAcks++;
                        foreach (var (token, id) in created) acknowledged[token] = id;
                        await client.ResolveAsync("fleeting", [$"@gone{round}"], UnknownPolicy.Create);
                        if (round % 4 == 1) await client.CreateSnapshotAsync("overlay", $"snap{round}");
                        await client.CheckpointAsync(compact: round % 3 == 2);
                        await Task.Delay(50);
                    }
                }
                catch (RpcException) { } // the kill
            }
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                while (killed.ExitCode is null && !timeout.IsCancellationRequested) await Task.Delay(50);
            Assert.True(killed.ExitCode is not null, $"the server never reached {point}:\n{string.Join('\n', killed.Output.TakeLast(20))}");
            Assert.Contains(killed.Output, l => l.Contains($"crash point {point} reached"));

            await using var server = await ServerProcess.StartAsync(killed.DataDir, killed.ImportDir);
            using var again = new EmbeddingStoreClient(server.Address);
            await again.WaitForServingAsync(TimeSpan.FromSeconds(60));
            var tables = await again.ListTablesAsync();
            if (!imported)
            {
                // An import the kill interrupted leaves no table (or, killed after its rows were durable, the whole one).
                Assert.True(tables.Count == 0 || tables.Single().Rows == TableRows, $"{point}: {string.Join(", ", tables.Select(t => $"{t.Name}: {t.Rows}"))}");
                return;
            }
            Assert.Equal(TableRows, Assert.Single(tables).Rows);
            var (baseVectors, _, _) = await again.PullTokensAsync("static", ["the", ",", "of", "good", "bad"]);
            Assert.Equal(5 * Dim, baseVectors.Length);
            if (acknowledged.Count == 0) return;
            var names = acknowledged.Keys.ToArray();
            var found = await again.ResolveAsync("overlay", names, UnknownPolicy.Fail);
            for (var i = 0; i < names.Length; i++) Assert.Equal(acknowledged[names[i]], found[i]);
            Assert.Equal(found.Length, found.Distinct().Count());
            var (vectors, _, _) = await again.PullAsync("overlay", found);
            Assert.Equal(found.Length * Dim, vectors.Length);
            if (start.Length == 0) return;
            // Every acknowledged durable push is there; the one in flight at the kill may be too.
            var (after, _, _) = await again.PullAsync("overlay", pushed);
            for (var r = 0; r < pushed.Length; r++)
            {
                var applied = after[r * Dim] - start[r * Dim];
                Assert.True(applied > durableAcks - 0.01f && applied < durableAcks + 1.01f, $"{point}: row {r}: {applied} pushes applied, {durableAcks} acknowledged");
            }
        }
        finally
        {
            killed.DeleteData();
            await killed.DisposeAsync();
        }
    }
}
