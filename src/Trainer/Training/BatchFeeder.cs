using System.Diagnostics;
using Trainer.Data;

namespace Trainer.Training;

/// <summary>A batch with its rows pulled from the row source.</summary>
public sealed class PreparedBatch
{
    public required Batch Batch { get; init; }
    public required BatchIndex Index { get; init; }
    public required float[] Rows { get; init; }
    public required float[] StaticRows { get; init; }
    public required bool[] Trainable { get; init; }
}

/// <summary>
/// Pulls each batch's distinct rows. The trainer starts the pull of batch i+1 before computing batch i;
/// once batch i's update is pushed, rows the two batches share are pulled again, so every step sees the
/// rows as updated by the step before it, exactly as a synchronous trainer would.
/// </summary>
public sealed class BatchFeeder(IRowSource source)
{
    private readonly Stopwatch _waiting = new();

    /// <summary>Time spent waiting on the row source (pulls and pushes not hidden behind computation).</summary>
    public TimeSpan Waiting => _waiting.Elapsed;

    public void ResetWaiting() => _waiting.Reset();

    public async Task<PreparedBatch> PrepareAsync(Batch batch, CancellationToken cancellationToken)
    {
        var index = BatchIndex.Of(batch.Ids, source.PadId);
        var count = index.DistinctIds.Length;
        var prepared = new PreparedBatch
        {
            Batch = batch,
            Index = index,
            Rows = new float[count * source.Dim],
            StaticRows = source.HasStaticChannel ? new float[count * source.Dim] : [],
            Trainable = new bool[count],
        };
        await source.PullAsync(index.DistinctIds, prepared.Rows, prepared.StaticRows, prepared.Trainable, cancellationToken);
        return prepared;
    }

    /// <summary>Awaits a prefetched batch, counting the time the trainer had to wait for it.</summary>
    public async Task<PreparedBatch> WaitAsync(Task<PreparedBatch> pending)
    {
        if (pending.IsCompleted) return await pending;
        _waiting.Start();
        try { return await pending; }
        finally { _waiting.Stop(); }
    }

    /// <summary>Pushes the gradients of the trainable rows of a batch; returns the ids that changed.</summary>
    public async Task<HashSet<long>> PushAsync(PreparedBatch batch, float[] rowGradients, CancellationToken cancellationToken)
    {
        var dim = source.Dim;
        var ids = new List<long>();
        var gradients = new List<float>();
        for (var r = 0; r < batch.Index.DistinctIds.Length; r++)
        {
            if (!batch.Trainable[r]) continue;
            ids.Add(batch.Index.DistinctIds[r]);
            gradients.AddRange(rowGradients.AsSpan(r * dim, dim));
        }
        if (ids.Count == 0) return [];
        _waiting.Start();
        try { await source.PushAsync(ids.ToArray(), gradients.ToArray(), cancellationToken); }
        finally { _waiting.Stop(); }
        return [.. ids];
    }

    /// <summary>Pulls again the rows of <paramref name="next"/> that the last push changed.</summary>
    public async Task RefreshAsync(PreparedBatch next, HashSet<long> changed, CancellationToken cancellationToken)
    {
        if (changed.Count == 0) return;
        var stale = new List<int>();
        for (var r = 0; r < next.Index.DistinctIds.Length; r++)
            if (changed.Contains(next.Index.DistinctIds[r])) stale.Add(r);
        if (stale.Count == 0) return;
        var dim = source.Dim;
        var ids = stale.Select(r => next.Index.DistinctIds[r]).ToArray();
        var rows = new float[ids.Length * dim];
        var staticRows = source.HasStaticChannel ? new float[ids.Length * dim] : [];
        var trainable = new bool[ids.Length];
        _waiting.Start();
        try { await source.PullAsync(ids, rows, staticRows, trainable, cancellationToken); }
        finally { _waiting.Stop(); }
        for (var i = 0; i < stale.Count; i++)
            rows.AsSpan(i * dim, dim).CopyTo(next.Rows.AsSpan(stale[i] * dim, dim));
    }
}
