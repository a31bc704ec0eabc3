using EmbeddingStore.Client;

namespace CrashLoop;

/// <summary>What a subscriber last saw of a row.</summary>
public readonly record struct SeenRow(long Id, long Version, int Hash);

/// <summary>
/// A subscriber to the overlay view's pushed rows that lives across kills: it records each row's (id, version, value)
/// as it sees them, and after a restart resumes with the last version it saw, as a client would.
/// </summary>
public sealed class SubscriptionFollower
{
    private readonly Dictionary<string, SeenRow> _rows = [];
    private TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _resending;

    /// <summary>The version up to which it has seen every change: where it resumes.</summary>
    public long Version { get; private set; }
    public int Messages { get; private set; }
    public int Resyncs { get; private set; }
    /// <summary>The current session's catch-up (its first message with caught_up set) was a full resend.</summary>
    public bool Resynced { get; private set; }

    /// <summary>Completes when the current session has caught up: the rows seen are the store's.</summary>
    public Task CaughtUp => _caughtUp.Task;

    public IReadOnlyDictionary<string, SeenRow> Rows { get { lock (_rows) return new Dictionary<string, SeenRow>(_rows); } }

    /// <summary>
    /// Starts a session on the store <paramref name="client"/> talks to, as one of <paramref name="run"/>'s clients; what
    /// goes wrong before it has caught up counts against <paramref name="catchUpCycle"/>, the cycle whose kill it resumes after.
    /// </summary>
    public void Follow(EmbeddingStoreClient client, CycleRun run, int catchUpCycle)
    {
        _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Resynced = false;
        _resending = false;
        run.Start("subscriber", async stopping =>
        {
            await foreach (var batch in client.SubscribeAsync(StoreModel.Overlay, tokenPrefix: StoreModel.PushedPrefix,
                               afterVersion: Version, cancellationToken: stopping))
                See(batch, run.Failures, CaughtUp.IsCompleted ? run.Cycle : catchUpCycle);
        });
    }

    private void See(RowChanges batch, FailureList failures, int cycle)
    {
        lock (_rows)
        {
            Messages++;
            if (batch.Resync && !_resending)
            {
                _rows.Clear();
                Resyncs++;
                if (!_caughtUp.Task.IsCompleted) Resynced = true;
            }
            _resending = batch.Resync && !batch.CaughtUp;
            if (batch.Version < Version && !batch.Resync)
                failures.Add(cycle, "subscription-version-back", "subscriber", $"a version >= {Version} (no resync)", $"version {batch.Version}");
            for (var i = 0; i < batch.Tokens.Length; i++)
            {
                var token = batch.Tokens[i];
                var meta = batch.Meta[i];
                if (!batch.Resync && _rows.TryGetValue(token, out var before) && meta.Version < before.Version)
                    failures.Add(cycle, "subscription-row-version-back", $"subscriber, row '{token}'",
                        $"a version >= {before.Version}", $"version {meta.Version}");
                _rows[token] = new SeenRow(meta.Id, meta.Version, RowBits.Hash(batch.Vector(i)));
            }
            foreach (var token in batch.RemovedTokens) _rows.Remove(token);
            Version = batch.Version;
            if (batch.CaughtUp) _caughtUp.TrySetResult();
        }
    }
}
