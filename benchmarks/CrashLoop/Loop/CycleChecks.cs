using System.Diagnostics;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Grpc.Core;

namespace CrashLoop;

/// <summary>What the checks after one kill counted.</summary>
public sealed class CheckCounts
{
    public int Checks, TokensLostInFlushWindow, DefaultPushesLostInFlushWindow, SnapshotsLostInFlushWindow, Evicted;
    /// <summary>The longest a token or a default push that was lost had been acknowledged before the kill.</summary>
    public double OldestLossMs;
}

/// <summary>
/// Compares the restarted store with the <see cref="StoreModel"/>: the table and its base rows, every created token,
/// every pushed row, every snapshot and the subscriber's view. Rows pushed are then re-read as the next cycle's start.
/// </summary>
/// <param name="killedAt">Timestamp of the kill; what was acknowledged <paramref name="durableAfter"/> before it must be there.</param>
public sealed class CycleChecks(StoreModel model, EmbeddingStoreClient client, FailureList failures, int cycle, long killedAt, TimeSpan durableAfter)
{
    private const int Chunk = 2_000;
    private readonly long _mustHaveBy = killedAt - (long)(durableAfter.TotalSeconds * Stopwatch.Frequency);
    private readonly long _syncedBy = model.SyncedBy;
    private readonly Dictionary<long, string> _owners = [];

    public CheckCounts Counts { get; } = new();

    public async Task RunAsync(SubscriptionFollower follower)
    {
        await Check("the table", CheckTableAsync);
        await Check("the base rows", CheckBaseRowsAsync);
        foreach (var ledger in model.TokenLedgers) await Check($"the tokens of {ledger.View}", () => CheckTokensAsync(ledger));
        foreach (var target in model.Targets) await Check(target.Name, () => CheckPushesAsync(target));
        await Check("the snapshots", CheckSnapshotsAsync);
        await Check("the subscriber", () => CheckSubscriberAsync(follower));
    }

    /// <summary>Runs one check; a call it makes that fails is a failure too (the others still run).</summary>
    private async Task Check(string what, Func<Task> check)
    {
        try { await check(); }
        catch (RpcException e) { Fail("check-call-failed", $"checking {what}", "an answer", e.Status.ToString()); }
    }

    private void Fail(string kind, string subject, string expected, string seen) => failures.Add(cycle, kind, subject, expected, seen);

    private double MsBeforeKill(long timestamp) => Stopwatch.GetElapsedTime(timestamp, killedAt).TotalMilliseconds;

    /// <summary>
    /// How a loss of what was acknowledged at <paramref name="acknowledgedAt"/> is named, or null when the kill may take
    /// it: "lost" when a durable push sent later was acknowledged (the log on disk must hold it, however slow the flush),
    /// "lost-after-flush-window" when it is only older than the flush interval and margin.
    /// </summary>
    private string? Loss(long acknowledgedAt) =>
        acknowledgedAt <= _syncedBy ? "lost" : acknowledgedAt <= _mustHaveBy ? "lost-after-flush-window" : null;

    private string Acknowledged(long timestamp) =>
        $"acknowledged {MsBeforeKill(timestamp):0} ms before the kill{(timestamp <= _syncedBy ? ", before a durable push sent later was acknowledged" : "")}";

    private void Lost(ref int counter, long acknowledgedAt)
    {
        counter++;
        Counts.OldestLossMs = Math.Max(Counts.OldestLossMs, MsBeforeKill(acknowledgedAt));
    }

    private async Task CheckTableAsync()
    {
        Counts.Checks++;
        var rows = (await client.ListTablesAsync()).FirstOrDefault(t => t.Name == StoreModel.Table)?.Rows;
        if (rows != model.File.Tokens.Length)
            Fail("table-rows", $"table {StoreModel.Table} in ListTables", $"{model.File.Tokens.Length} rows", rows is null ? "not listed" : $"{rows} rows");
    }

    private async Task CheckBaseRowsAsync()
    {
        var file = model.File;
        var baseIds = model.BaseIds ??= new long[file.Tokens.Length];
        for (var start = 0; start < file.Tokens.Length; start += Chunk)
        {
            var tokens = file.Tokens[start..Math.Min(start + Chunk, file.Tokens.Length)];
            var (vectors, meta) = await PullTokensAsync(StoreModel.Static, tokens);
            for (var i = 0; i < tokens.Length; i++)
            {
                Counts.Checks++;
                var row = start + i;
                var subject = $"base row '{tokens[i]}' through {StoreModel.Static}";
                if (meta[i].Id == 0) Fail("base-row-not-found", subject, $"id {baseIds[row]}", "NOT_FOUND");
                else if (baseIds[row] != 0 && meta[i].Id != baseIds[row]) Fail("base-row-id-changed", subject, $"id {baseIds[row]}", $"id {meta[i].Id}");
                else if (!RowBits.Equal(vectors.AsSpan(i * file.Dim, file.Dim), file.Row(row)))
                    Fail("base-row-changed", subject, $"the file's values ({file.Row(row)[0]}, ...)", $"({vectors[i * file.Dim]}, ...)");
                if (baseIds[row] == 0) baseIds[row] = meta[i].Id;
            }
        }
    }

    /// <summary>Every token acknowledged resolves without CREATE to the id it was given, no id serves two tokens, every id pulls.</summary>
    private async Task CheckTokensAsync(TokenLedger ledger)
    {
        foreach (var chunk in ledger.Entries.Chunk(Chunk))
        {
            var ids = await ResolveAsync(ledger.View, [.. chunk.Select(e => e.Key)]);
            var present = new List<(string Token, TokenEntry Entry)>();
            for (var i = 0; i < chunk.Length; i++)
            {
                Counts.Checks++;
                var (token, entry) = chunk[i];
                var subject = $"token '{token}' through {ledger.View}";
                if (ids[i] == 0)
                {
                    if (ledger.Evicts) Counts.Evicted++;
                    else if (Loss(entry.AcknowledgedAt) is { } loss) Fail($"token-{loss}", subject, $"id {entry.Id} ({Acknowledged(entry.AcknowledgedAt)})", "unknown");
                    else Lost(ref Counts.TokensLostInFlushWindow, entry.AcknowledgedAt);
                    ledger.Forget(token);
                }
                else if (ids[i] != entry.Id) Fail("token-id-changed", subject, $"id {entry.Id}", $"id {ids[i]}");
                else if (_owners.TryGetValue(ids[i], out var owner)) Fail("id-shared", subject, $"id {ids[i]} its own", $"also {owner}'s");
                else
                {
                    _owners[ids[i]] = subject;
                    present.Add((token, entry));
                }
            }
            // An evicting view may drop a row between the resolve and a pull: only its ids are checked.
            if (!ledger.Evicts && present.Count > 0) await CheckTokenRowsAsync(ledger, present);
        }
    }

    private async Task CheckTokenRowsAsync(TokenLedger ledger, List<(string Token, TokenEntry Entry)> present)
    {
        var dim = model.File.Dim;
        float[] vectors;
        try { (vectors, _, _) = await client.PullAsync(ledger.View, [.. present.Select(p => p.Entry.Id)]); }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            foreach (var (token, entry) in present)
            {
                try { await client.PullAsync(ledger.View, [entry.Id]); }
                catch (RpcException one) when (one.StatusCode == StatusCode.NotFound)
                {
                    Fail("token-row-not-found", $"token '{token}' through {ledger.View}", $"id {entry.Id} pulls", $"NOT_FOUND: {one.Status.Detail}");
                    ledger.Forget(token);
                }
            }
            return;
        }
        for (var i = 0; i < present.Count; i++)
        {
            var (token, entry) = present[i];
            var hash = RowBits.Hash(vectors.AsSpan(i * dim, dim));
            if (entry.Hash is null) ledger.SetHash(token, hash);
            else if (entry.Hash != hash)
                Fail("token-row-changed", $"token '{token}' (id {entry.Id}) through {ledger.View}", "the row it was created with", "other values");
        }
    }

    /// <summary>Each pushed row holds every push it must (durable: all acknowledged; default: those acknowledged before the flush window), no more than were sent.</summary>
    private async Task CheckPushesAsync(PushTarget target)
    {
        var dim = model.File.Dim;
        var (values, _, meta) = await client.PullAsync(target.View, target.Ids);
        for (var row = 0; row < target.Ids.Length && target.Start is not null; row++)
        {
            var start = target.Start;
            Counts.Checks++;
            var (least, most) = target.Expected(row, Math.Max(_mustHaveBy, _syncedBy));
            var acks = target.Acknowledgements(row);
            var before = start.AsSpan(row * dim, dim);
            var now = values.AsSpan(row * dim, dim);
            var applied = RowBits.DeltasApplied(before, now, most + 2);
            var subject = $"{target.Name}: row {target.Ids[row]} ('{target.Tokens[row]}') through {target.View}";
            if (applied < least || applied > most)
            {
                var kind = applied < 0 ? "pushed-row-corrupt" : applied > most ? "push-applied-twice" : target.Durable ? "durable-push-lost" : $"default-push-{Loss(acks[applied])}";
                var firstMissing = applied >= 0 && applied < acks.Length ? $"; the first push missing was {Acknowledged(acks[applied])}" : "";
                Fail(kind, subject, $"start + {least}..{most} (acknowledged {acks.Length}, sent {most})", $"start + {now[0] - before[0]:0.###}{firstMissing}");
            }
            else if (!target.Durable && applied < acks.Length) Lost(ref Counts.DefaultPushesLostInFlushWindow, acks[applied]);
            if (meta[row].Version < target.VersionFloor[row])
                Fail("version-decreased", subject, $"version >= {target.VersionFloor[row]}", $"version {meta[row].Version}");
            else if (applied > 0 && meta[row].Version == target.VersionFloor[row])
                Fail("version-not-advanced", subject, $"version > {target.VersionFloor[row]} after {applied} pushes", $"version {meta[row].Version}");
        }
        target.StartCycle(values, meta);
    }

    /// <summary>Snapshots acknowledged before the flush window exist, and read what they read when first checked, at or below their version.</summary>
    private async Task CheckSnapshotsAsync()
    {
        var views = (await client.ListViewsAsync()).ToDictionary(v => v.Name);
        foreach (var snapshot in model.Snapshots.Values)
        {
            Counts.Checks++;
            var subject = $"snapshot {snapshot.Name} of {snapshot.Source}";
            if (!views.TryGetValue(snapshot.Name, out var info))
            {
                if (Loss(snapshot.AcknowledgedAt) is { } loss) Fail($"snapshot-{loss}", subject, $"listed ({Acknowledged(snapshot.AcknowledgedAt)})", "not listed");
                else Lost(ref Counts.SnapshotsLostInFlushWindow, snapshot.AcknowledgedAt);
                model.Snapshots.TryRemove(snapshot.Name, out _);
                continue;
            }
            string[] tokens = [.. model.Targets.Where(t => StoreModel.Chain(snapshot.Source).Contains(t.View)).SelectMany(t => t.Tokens)];
            var (vectors, meta) = await PullTokensAsync(snapshot.Name, tokens);
            if (meta.FirstOrDefault(m => m.Id == 0 || m.Version > info.SnapshotVersion) is { } bad)
                Fail("snapshot-row", $"{subject}, row '{tokens[Array.IndexOf(meta, bad)]}'", $"a row at version <= {info.SnapshotVersion}",
                    bad.Id == 0 ? "unknown" : $"version {bad.Version}");
            var digest = HashCode.Combine(RowBits.Hash(vectors), meta.Aggregate(0, (h, m) => HashCode.Combine(h, m.Id, m.Version)));
            if (snapshot.Digest is null) snapshot.Digest = digest;
            else if (snapshot.Digest != digest) Fail("snapshot-changed", subject, "the rows it read when first checked", "other rows or versions");
        }
    }

    /// <summary>The subscriber, resumed with the last version it saw, catches up (a resync or the changes it missed) to the rows the store holds.</summary>
    private async Task CheckSubscriberAsync(SubscriptionFollower follower)
    {
        try { await follower.CaughtUp.WaitAsync(TimeSpan.FromSeconds(20)); }
        catch (TimeoutException)
        {
            Fail("subscription-stalled", "subscriber", "caught up within 20 s", $"not caught up at version {follower.Version}");
            return;
        }
        var seen = follower.Rows;
        foreach (var target in model.SubscribedTargets)
        {
            var (values, _, meta) = await client.PullAsync(target.View, target.Ids);
            for (var row = 0; row < target.Ids.Length; row++)
            {
                Counts.Checks++;
                var store = new SeenRow(meta[row].Id, meta[row].Version, RowBits.Hash(values.AsSpan(row * model.File.Dim, model.File.Dim)));
                var token = target.Tokens[row];
                if (!seen.TryGetValue(token, out var subscriber) || subscriber != store)
                    Fail("subscription-gap", $"subscriber, row '{token}' ({(follower.Resynced ? "after a resync" : "no resync")})",
                        $"id {store.Id} version {store.Version} as pulled", seen.ContainsKey(token) ? $"id {subscriber.Id} version {subscriber.Version}{(subscriber.Hash == store.Hash ? "" : ", other values")}" : "never sent");
            }
        }
    }

    /// <summary>Resolve without CREATE; 0 for each unknown token (found with a combined pull when the resolve answers NOT_FOUND).</summary>
    private async Task<long[]> ResolveAsync(string view, string[] tokens)
    {
        try { return await client.ResolveAsync(view, tokens, UnknownPolicy.Fail); }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { return [.. (await PullMissingAsZerosAsync(view, tokens)).Meta.Select(m => m.Id)]; }
    }

    /// <summary>Pull by token without CREATE; unknown tokens read id 0 (found as in <see cref="ResolveAsync"/>).</summary>
    private async Task<(float[] Vectors, RowMeta[] Meta)> PullTokensAsync(string view, string[] tokens)
    {
        try
        {
            var (vectors, _, meta) = await client.PullTokensAsync(view, tokens, UnknownPolicy.Fail);
            return (vectors, meta);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            var rows = await PullMissingAsZerosAsync(view, tokens);
            return (rows.Vectors, rows.Meta);
        }
    }

    private Task<CombinedRows> PullMissingAsZerosAsync(string view, string[] tokens) =>
        client.PullCombinedAsync([view], tokens, UnknownPolicy.Fail, missingAsZeros: true);
}
