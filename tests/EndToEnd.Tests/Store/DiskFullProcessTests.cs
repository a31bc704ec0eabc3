using System.Diagnostics;
using System.Globalization;
using System.Text;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace EndToEnd.Tests.Store;

/// <summary>
/// The real server on a full disk (issue 23, item 5): an import, then durable pushes until the store refuses them with
/// RESOURCE_EXHAUSTED at once (short deadlines: no INTERNAL, no hang), reads still answered, a checkpoint refused with
/// the reason, the write health service NOT_SERVING; then a kill -9, a larger disk, a restart: every acknowledged push
/// is there and writes are accepted again. The disk is simulated (<c>EMBSTORE_TEST_DISK_BYTES</c>) or a real small
/// ext4 file system on a loop device (skipped where it cannot be mounted).
/// </summary>
public class DiskFullProcessTests(ITestOutputHelper output)
{
    private const int Dim = 300, Rows = 1_000;
    private const string WritesHealth = "embstore.writes";

    /// <summary>A refusal must come back well within this (a write that waits for a full disk would run into it).</summary>
    private static readonly TimeSpan ShortDeadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task SimulatedFullDisk_WritesRefusedAtOnce_ReadsServed_RestartOnLargerDisk_NothingAcknowledgedLost()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "embstore-e2e-" + Guid.NewGuid().ToString("N"));
        // --memory-mb 64 keeps 208 MiB free (see docs/limits.md); a full checkpoint's 64 MiB hash index and the import
        // take about 90 MiB: some 60 MiB of pushes fill this disk.
        var server = await ServerProcess.StartWithEnvironmentAsync(Disk(360L << 20), dataDir);
        try
        {
            var ids = await ImportAndCreateRowsAsync(server);
            var acknowledged = await PushUntilRefusedAsync(server, ids);
            await AssertWritesRefusedReadsServedAsync(server, ids, acknowledged, fill: filler => SparseFile(filler, 64L << 20));

            await server.KillAsync();
            await using var killed = server;
            File.Delete(Path.Combine(dataDir, "filler"));
            server = await ServerProcess.StartWithEnvironmentAsync(Disk(4L << 30), killed.DataDir, killed.ImportDir);
            await AssertRecoveredAndWritableAsync(server, ids, acknowledged);
        }
        finally
        {
            server.DeleteData();
            await server.DisposeAsync();
        }
    }

    [LoopMountFact]
    public async Task RealFullFileSystem_WritesRefusedAtOnce_ResumeOnceFreed_RestartLosesNothing()
    {
        using var disk = LoopMount.Create(480L << 20);
        var server = await ServerProcess.StartAsync(Path.Combine(disk.MountPoint, "data"));
        try
        {
            var reserve = await ReserveMiBAsync(server);
            var ids = await ImportAndCreateRowsAsync(server);
            // Fill the file system up to 60 MiB above what the store keeps free, so that pushes reach it quickly.
            var filler = Path.Combine(disk.MountPoint, "filler");
            await Fallocate(filler, new DriveInfo(disk.MountPoint).AvailableFreeSpace - ((reserve + 60) << 20));
            var acknowledged = await PushUntilRefusedAsync(server, ids);
            await AssertWritesRefusedReadsServedAsync(server, ids, acknowledged,
                fill: more => Fallocate(more, new DriveInfo(disk.MountPoint).AvailableFreeSpace - (reserve - 40 << 20)));

            // Space freed: writes resume by themselves.
            File.Delete(filler);
            File.Delete(Path.Combine(server.DataDir, "filler"));
            using (var client = new EmbeddingStoreClient(server.Address))
            {
                await WaitForWritesAsync(server);
                await client.PushAsync("v", PushKind.Delta, ids, Ones, durability: Durability.Sync, cancellationToken: Deadline());
                acknowledged++;
            }
            await server.KillAsync();
            await using var killed = server;
            server = await ServerProcess.StartAsync(killed.DataDir, killed.ImportDir);
            await AssertRecoveredAndWritableAsync(server, ids, acknowledged);
        }
        finally
        {
            server.DeleteData();
            await server.DisposeAsync();
        }
    }

    private static readonly float[] Ones = Enumerable.Repeat(1f, Rows * Dim).ToArray();

    private static Dictionary<string, string> Disk(long bytes) => new() { ["EMBSTORE_TEST_DISK_BYTES"] = bytes.ToString(CultureInfo.InvariantCulture) };

    private static CancellationToken Deadline() => new CancellationTokenSource(ShortDeadline).Token;

    /// <summary>The free space the server keeps, from its start-up line.</summary>
    private static async Task<long> ReserveMiBAsync(ServerProcess server)
    {
        var line = await server.WaitForOutputAsync(l => l.Contains("Writes are refused while less than", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var words = line[(line.IndexOf("less than ", StringComparison.Ordinal) + 10)..].Split(' ');
        return long.Parse(words[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Imports a table and creates 1,000 rows, all zeros, in an overlay view of it; their ids.</summary>
    private static async Task<long[]> ImportAndCreateRowsAsync(ServerProcess server)
    {
        using var client = new EmbeddingStoreClient(server.Address);
        await client.WaitForServingAsync(TimeSpan.FromSeconds(60));
        var text = new StringBuilder($"2000 {Dim}\n");
        for (var i = 0; i < 2000; i++) text.Append(CultureInfo.InvariantCulture, $"w{i}").Append(string.Concat(Enumerable.Repeat(" 0.5", Dim))).Append('\n');
        await File.WriteAllTextAsync(Path.Combine(server.ImportDir, "t.txt"), text.ToString());
        await client.ImportFileAsync("t", "t.txt");
        await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
        var ids = await client.ResolveAsync("v", [.. Enumerable.Range(0, Rows).Select(i => $"new{i}")]);
        await client.PushAsync("v", PushKind.Assign, ids, new float[Rows * Dim], durability: Durability.Sync);
        return ids;
    }

    /// <summary>Pushes ones durably to the rows until the store refuses; the pushes acknowledged.</summary>
    private async Task<int> PushUntilRefusedAsync(ServerProcess server, long[] ids)
    {
        using var client = new EmbeddingStoreClient(server.Address);
        var acknowledged = 0;
        while (true)
        {
            Assert.True(acknowledged < 2_000, $"no refusal after {acknowledged} pushes:\n{string.Join('\n', server.Output.TakeLast(20))}");
            try
            {
                await client.PushAsync("v", PushKind.Delta, ids, Ones, durability: Durability.Sync, cancellationToken: Deadline());
                acknowledged++;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.Contains("writes are refused", e.Status.Detail);
                Assert.Contains(server.DataDir, e.Status.Detail);
                Assert.Contains("MiB free", e.Status.Detail);
                output.WriteLine($"{acknowledged} durable pushes acknowledged before the refusal: {e.Status.Detail}");
                return acknowledged;
            }
        }
    }

    /// <summary>While full: writes refused at once, reads answered, the health services say so; a checkpoint is refused once <paramref name="fill"/> took its room too.</summary>
    private async Task AssertWritesRefusedReadsServedAsync(ServerProcess server, long[] ids, int acknowledged, Func<string, Task> fill)
    {
        using var client = new EmbeddingStoreClient(server.Address);
        await RefusedAtOnceAsync(() => client.PushAsync("v", PushKind.Delta, ids, Ones, durability: Durability.Sync, cancellationToken: Deadline()));
        await RefusedAtOnceAsync(() => client.PushAsync("v", PushKind.Delta, ids, Ones, cancellationToken: Deadline()));
        await RefusedAtOnceAsync(() => client.ResolveAsync("v", ["brand-new"], UnknownPolicy.Create, cancellationToken: Deadline()));
        await RefusedAtOnceAsync(() => client.PullTokensAsync("v", ["brand-new-too"], UnknownPolicy.Create, cancellationToken: Deadline()));
        await RefusedAtOnceAsync(() => client.CreateViewAsync(new CreateViewRequest { Name = "w", Table = "t", Mode = TrainMode.Static }, Deadline()));
        await RefusedAtOnceAsync(() => client.CreateSnapshotAsync("v", "s", Deadline()));
        await RefusedAtOnceAsync(() => client.ImportFileAsync("t2", "t.txt", cancellationToken: Deadline()));
        Assert.DoesNotContain(await client.ListTablesAsync(Deadline()), t => t.Name == "t2");

        var (vectors, _, _) = await client.PullAsync("v", ids, Deadline());
        Assert.All(vectors, x => Assert.Equal(acknowledged, x));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await HealthAsync(server, ""));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await HealthAsync(server, WritesHealth));

        await fill(Path.Combine(server.DataDir, "filler"));
        await Task.Delay(300); // the store looks at the disk every 100 ms
        var checkpoint = await RefusedAtOnceAsync(() => client.CheckpointAsync(Deadline()));
        Assert.Contains("checkpoints are refused", checkpoint.Status.Detail);
    }

    private static async Task AssertRecoveredAndWritableAsync(ServerProcess server, long[] ids, int acknowledged)
    {
        using var client = new EmbeddingStoreClient(server.Address);
        try { await client.WaitForServingAsync(TimeSpan.FromSeconds(60)); }
        catch (TimeoutException e) { Assert.Fail($"{e.Message}\n{string.Join('\n', server.Output.TakeLast(30))}"); }
        var (vectors, _, _) = await client.PullAsync("v", ids);
        Assert.All(vectors, x => Assert.Equal(acknowledged, x));
        await WaitForWritesAsync(server);
        await client.PushAsync("v", PushKind.Delta, ids, Ones, durability: Durability.Sync, cancellationToken: Deadline());
        await client.CheckpointAsync();
        Assert.Equal(acknowledged + 1, (await client.PullAsync("v", [ids[0]])).Vectors[0]);
    }

    private async Task<RpcException> RefusedAtOnceAsync(Func<Task> write)
    {
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RpcException>(write);
        Assert.True(e.StatusCode == StatusCode.ResourceExhausted, $"{e.StatusCode}: {e.Status.Detail}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refused after {clock.ElapsedMilliseconds} ms");
        output.WriteLine($"refused in {clock.Elapsed.TotalMilliseconds:F1} ms: {e.Status.Detail[..Math.Min(60, e.Status.Detail.Length)]}");
        return e;
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(ServerProcess server, string service)
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        return (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Deadline())).Status;
    }

    private static async Task WaitForWritesAsync(ServerProcess server)
    {
        var clock = Stopwatch.StartNew();
        while (await HealthAsync(server, WritesHealth) != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "writes still refused:\n" + string.Join('\n', server.Output.TakeLast(10)));
            await Task.Delay(100);
        }
    }

    private static Task SparseFile(string path, long bytes)
    {
        using var file = File.Create(path);
        file.SetLength(bytes);
        return Task.CompletedTask;
    }

    private static async Task Fallocate(string path, long bytes)
    {
        using var process = Process.Start("fallocate", ["-l", Math.Max(4096, bytes).ToString(CultureInfo.InvariantCulture), path]);
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
