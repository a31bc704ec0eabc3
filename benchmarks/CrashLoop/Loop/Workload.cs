using System.Diagnostics;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace CrashLoop;

/// <summary>What the clients of one cycle got acknowledged.</summary>
public sealed class WorkloadCounts
{
    public int Tokens, EvictingTokens, DurablePushes, DefaultPushes, Checkpoints, Compactions, Snapshots;
}

/// <summary>
/// The load under which the store is killed: token creation (Resolve and Pull with CREATE, through an overlay and a
/// layered fine-tune view and a view that evicts), durable and default +1.0 delta pushes, checkpoints back to back
/// (every third compacting), snapshots now and then. Every acknowledgement goes into the <see cref="StoreModel"/>.
/// </summary>
public sealed class Workload(StoreModel model, EmbeddingStoreClient client, CycleRun run, Random plan)
{
    private const int TokensPerCall = 50;
    private int _calls;

    public WorkloadCounts Counts { get; } = new();

    public void Start()
    {
        run.Start("create tokens through overlay", Step(random => CreateTokensAsync(StoreModel.Overlay, TokensPerCall, random)));
        run.Start("create tokens through layered", Step(random => CreateTokensAsync(StoreModel.Layered, TokensPerCall, random)));
        run.Start("create tokens through evicting", Step(async random =>
        {
            await Task.Delay(50, run.Stopping);
            await CreateTokensAsync(StoreModel.Evicting, 20, random);
        }));
        var durable = model.Targets.Where(t => t.Durable).ToArray();
        run.Start("durable pushes 1", Step(random => PushAsync(durable, random)));
        run.Start("durable pushes 2", Step(random => PushAsync(durable, random)));
        run.Start("default pushes", Step(random => PushAsync([.. model.Targets.Where(t => !t.Durable)], random)));
        run.Start("checkpoints", Step(_ => CheckpointAsync()));
        run.Start("snapshots", Step(SnapshotAsync));
    }

    /// <summary>A client's step with a random source of its own, drawn from the cycle's plan when the client starts.</summary>
    private Func<CancellationToken, Task> Step(Func<Random, Task> step)
    {
        var random = new Random(plan.Next());
        return _ => step(random);
    }

    private string[] NewTokens(int count)
    {
        var call = Interlocked.Increment(ref _calls);
        return [.. Enumerable.Range(0, count).Select(i => $"c{run.Cycle}.{call}.{i}")];
    }

    private async Task CreateTokensAsync(string view, int count, Random random)
    {
        var tokens = NewTokens(count);
        long[] ids;
        float[]? vectors = null;
        if (random.Next(2) == 0) ids = await client.ResolveAsync(view, tokens, UnknownPolicy.Create, run.Stopping);
        else
        {
            (vectors, _, var meta) = await client.PullTokensAsync(view, tokens, UnknownPolicy.Create, run.Stopping);
            ids = [.. meta.Select(m => m.Id)];
        }
        model.Tokens(view).Acknowledged(tokens, ids, Stopwatch.GetTimestamp(), vectors, model.File.Dim);
        Interlocked.Add(ref view == StoreModel.Evicting ? ref Counts.EvictingTokens : ref Counts.Tokens, count);
    }

    private async Task PushAsync(PushTarget[] targets, Random random)
    {
        var target = targets[random.Next(targets.Length)];
        var rows = Enumerable.Range(0, target.Ids.Length).OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToArray();
        var ones = new float[rows.Length * model.File.Dim];
        Array.Fill(ones, 1f);
        target.Sending(rows);
        var sentAt = Stopwatch.GetTimestamp();
        var response = await client.PushAsync(target.View, PushKind.Delta, rows.Select(r => target.Ids[r]).ToArray(), ones,
            durability: target.Durability, cancellationToken: run.Stopping);
        target.Acknowledged(rows, Stopwatch.GetTimestamp());
        if (target.Durable && response.Durable) model.DurablePushAcknowledged(sentAt);
        if (response.Applied != rows.Length || (target.Durable && !response.Durable))
            run.Failures.Add(run.Cycle, "push-answer", target.Name, $"{rows.Length} rows applied{(target.Durable ? ", durable" : "")}",
                $"{response.Applied} applied, durable {response.Durable}, rejected {response.Rejected.Count}");
        Interlocked.Increment(ref target.Durable ? ref Counts.DurablePushes : ref Counts.DefaultPushes);
    }

    private async Task CheckpointAsync()
    {
        var compact = Volatile.Read(ref Counts.Checkpoints) % 3 == 2;
        await client.CheckpointAsync(compact, run.Stopping);
        Interlocked.Increment(ref Counts.Checkpoints);
        if (compact) Interlocked.Increment(ref Counts.Compactions);
    }

    private async Task SnapshotAsync(Random random)
    {
        await Task.Delay(random.Next(150, 400), run.Stopping);
        string[] sources = [StoreModel.Overlay, StoreModel.FineTune, StoreModel.Layered];
        var source = sources[random.Next(sources.Length)];
        var name = $"snap-{run.Cycle}-{Interlocked.Increment(ref _calls)}";
        await client.CreateSnapshotAsync(source, name, run.Stopping);
        model.Snapshots[name] = new SnapshotEntry(name, source, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref Counts.Snapshots);
    }
}
