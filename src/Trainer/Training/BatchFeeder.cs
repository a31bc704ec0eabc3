using System.Diagnostics;
using Trainer.Data;

namespace Trainer.Training;

/// <summary>A batch whose distinct rows are being pulled (or have been) from the row source.</summary>
public sealed class PreparedBatch
{
    public required Batch Batch { get; init; }
    public required BatchIndex Index { get; init; }
    public required float[] Rows { get; init; }
    public required float[] StaticRows { get; init; }
    public required bool[] Trainable { get; init; }

    /// <summary>Completes when the rows are in <see cref="Rows"/>; await it through <see cref="BatchFeeder.WaitAsync"/>.</summary>
    internal Task Pulled { get; set; } = Task.CompletedTask;
}

/// <summary>
/// Moves rows between the trainer and the row source so that every step sees the rows exactly as a synchronous
/// trainer would (each one as updated by every earlier step), while as little as possible waits:
/// <list type="bullet">
/// <item>The pull of batch i+1 starts before batch i is computed. It leaves out the rows batch i trains: step i's
/// push returns them (below), and their static channel, which never changes, is copied from batch i.</item>
/// <item>After step i, the gradients of rows that batch i+1 also reads are pushed at once and the push returns the
/// rows as it left them, which fill those slots of batch i+1; the other rows' gradients are pushed in the background,
/// behind the next step's computation.</item>
/// <item>A pull starts only once every background push started before it has finished, so it never reads a row
/// an earlier step is still updating. Rows of one step's background push are not in the next batch, so nothing
/// reads them before that.</item>
/// </list>
/// Per row the pushes reach the store in step order, so the result is the synchronous trainer's, bit for bit
/// (<c>FoldTrainerTests</c>). With <see cref="TrainingOptions.OverlapPushes"/> off, each step's whole push is
/// awaited and the shared rows are pulled again: the baseline the overlap is measured against.
/// </summary>
public sealed class BatchFeeder(IRowSource source, bool overlapPushes = true)
{
    private readonly Stopwatch _waiting = new();
    private List<Task> _background = [];

    /// <summary>Time spent waiting on the row source (pulls and pushes not hidden behind computation).</summary>
    public TimeSpan Waiting => _waiting.Elapsed;

    public void ResetWaiting() => _waiting.Reset();

    /// <summary>Starts pulling a batch's distinct rows, after the background pushes started so far.</summary>
    /// <param name="pushedBefore">
    /// The batch whose step runs before this one and whose push (<see cref="PushAsync"/>, with this batch as next)
    /// will return the rows it trains, or null: then every row is pulled.
    /// </param>
    public PreparedBatch Prepare(Batch batch, PreparedBatch? pushedBefore, CancellationToken cancellationToken)
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
        var pulled = overlapPushes && pushedBefore is not null ? TakeFromPushed(prepared, pushedBefore) : null;
        _background = _background.Where(t => !t.IsCompletedSuccessfully).ToList();
        var before = _background.ToArray();
        prepared.Pulled = pulled is null ? PullAsync(prepared, before, cancellationToken) : PullSomeAsync(prepared, pulled, before, cancellationToken);
        return prepared;
    }

    /// <summary>Rows pulled, and rows left out of a pull because a push returned them.</summary>
    public (long Pulled, long FromPushes) RowsRead => (Interlocked.Read(ref _rowsPulled), Interlocked.Read(ref _rowsFromPushes));

    private long _rowsPulled, _rowsFromPushes;

    /// <summary>
    /// Marks the rows of <paramref name="batch"/> that <paramref name="pushedBefore"/> trains (its push will fill them)
    /// and copies their static channel; returns the slots left to pull, or null when that is all of them.
    /// </summary>
    private int[]? TakeFromPushed(PreparedBatch batch, PreparedBatch pushedBefore)
    {
        var dim = source.Dim;
        var trained = new Dictionary<long, int>();
        for (var r = 0; r < pushedBefore.Index.DistinctIds.Length; r++)
            if (pushedBefore.Trainable[r]) trained[pushedBefore.Index.DistinctIds[r]] = r;
        var toPull = new List<int>(batch.Index.DistinctIds.Length);
        for (var r = 0; r < batch.Index.DistinctIds.Length; r++)
        {
            if (!trained.TryGetValue(batch.Index.DistinctIds[r], out var from))
            {
                toPull.Add(r);
                continue;
            }
            batch.Trainable[r] = true;
            if (source.HasStaticChannel)
                pushedBefore.StaticRows.AsSpan(from * dim, dim).CopyTo(batch.StaticRows.AsSpan(r * dim, dim));
        }
        Interlocked.Add(ref _rowsFromPushes, batch.Index.DistinctIds.Length - toPull.Count);
        return toPull.Count == batch.Index.DistinctIds.Length ? null : [.. toPull];
    }

    private async Task PullAsync(PreparedBatch batch, Task[] before, CancellationToken cancellationToken)
    {
        if (before.Length > 0) await Task.WhenAll(before);
        Interlocked.Add(ref _rowsPulled, batch.Index.DistinctIds.Length);
        await source.PullAsync(batch.Index.DistinctIds, batch.Rows, batch.StaticRows, batch.Trainable, cancellationToken);
    }

    /// <summary>Pulls the rows in <paramref name="slots"/> only, into their places in the batch.</summary>
    private async Task PullSomeAsync(PreparedBatch batch, int[] slots, Task[] before, CancellationToken cancellationToken)
    {
        if (before.Length > 0) await Task.WhenAll(before);
        if (slots.Length == 0) return;
        var dim = source.Dim;
        var ids = new long[slots.Length];
        for (var i = 0; i < slots.Length; i++) ids[i] = batch.Index.DistinctIds[slots[i]];
        var rows = new float[slots.Length * dim];
        var staticRows = source.HasStaticChannel ? new float[slots.Length * dim] : [];
        var trainable = new bool[slots.Length];
        Interlocked.Add(ref _rowsPulled, slots.Length);
        await source.PullAsync(ids, rows, staticRows, trainable, cancellationToken);
        for (var i = 0; i < slots.Length; i++)
        {
            rows.AsSpan(i * dim, dim).CopyTo(batch.Rows.AsSpan(slots[i] * dim, dim));
            if (source.HasStaticChannel) staticRows.AsSpan(i * dim, dim).CopyTo(batch.StaticRows.AsSpan(slots[i] * dim, dim));
            batch.Trainable[slots[i]] = trainable[i];
        }
    }

    /// <summary>Awaits a batch's rows, counting the time the trainer had to wait for them.</summary>
    public async Task<PreparedBatch> WaitAsync(PreparedBatch batch)
    {
        if (!batch.Pulled.IsCompleted)
        {
            _waiting.Start();
            try { await batch.Pulled; }
            finally { _waiting.Stop(); }
        }
        await batch.Pulled;
        return batch;
    }

    /// <summary>Awaits every background push (before reading rows outside the pipeline, e.g. to evaluate).</summary>
    public async Task FlushAsync()
    {
        var pending = _background.ToArray();
        _background = [];
        if (pending.All(t => t.IsCompletedSuccessfully)) return;
        _waiting.Start();
        try { await Task.WhenAll(pending); }
        finally { _waiting.Stop(); }
    }

    /// <summary>
    /// Pushes the gradients of a batch's trainable rows and leaves <paramref name="next"/> (prepared with
    /// <see cref="Prepare"/>, or null after the last batch) holding its rows as updated by this push; returns it pulled.
    /// </summary>
    public async Task<PreparedBatch?> PushAsync(PreparedBatch batch, float[] rowGradients, PreparedBatch? next, CancellationToken cancellationToken)
    {
        var dim = source.Dim;
        var nextSlots = new Dictionary<long, int>();
        if (next is not null)
            for (var r = 0; r < next.Index.DistinctIds.Length; r++) nextSlots[next.Index.DistinctIds[r]] = r;

        // Trainable rows, split into those the next batch reads (shared) and the rest.
        var shared = new List<int>();
        var rest = new List<int>();
        for (var r = 0; r < batch.Index.DistinctIds.Length; r++)
        {
            if (!batch.Trainable[r]) continue;
            (nextSlots.ContainsKey(batch.Index.DistinctIds[r]) ? shared : rest).Add(r);
        }

        if (!overlapPushes)
        {
            var all = shared.Concat(rest).Order().ToList();
            if (all.Count > 0) await WaitedAsync(source.PushAsync(Ids(batch, all), Gradients(rowGradients, all, dim), default, cancellationToken));
            if (next is null) return null;
            await WaitAsync(next);
            if (shared.Count > 0) await RefreshAsync(next, Ids(batch, shared), nextSlots, cancellationToken);
            return next;
        }

        if (rest.Count > 0) _background.Add(source.PushAsync(Ids(batch, rest), Gradients(rowGradients, rest, dim), default, cancellationToken));
        if (next is null) return null;
        if (shared.Count == 0) return await WaitAsync(next);
        var sharedIds = Ids(batch, shared);
        var rowsAfter = new float[shared.Count * dim];
        await WaitedAsync(source.PushAsync(sharedIds, Gradients(rowGradients, shared, dim), rowsAfter, cancellationToken));
        // Prepared with this batch as pushedBefore, the next batch did not pull these rows; prepared without, it may
        // have read them before or after the push: the push's own copy wins either way.
        await WaitAsync(next);
        for (var i = 0; i < sharedIds.Length; i++)
            rowsAfter.AsSpan(i * dim, dim).CopyTo(next.Rows.AsSpan(nextSlots[sharedIds[i]] * dim, dim));
        return next;
    }

    private static long[] Ids(PreparedBatch batch, List<int> rows) => [.. rows.Select(r => batch.Index.DistinctIds[r])];

    private static float[] Gradients(float[] rowGradients, List<int> rows, int dim)
    {
        var gradients = new float[rows.Count * dim];
        for (var i = 0; i < rows.Count; i++) rowGradients.AsSpan(rows[i] * dim, dim).CopyTo(gradients.AsSpan(i * dim, dim));
        return gradients;
    }

    private async Task WaitedAsync(Task task)
    {
        _waiting.Start();
        try { await task; }
        finally { _waiting.Stop(); }
    }

    /// <summary>Pulls again the rows of <paramref name="next"/> that a synchronous push changed.</summary>
    private async Task RefreshAsync(PreparedBatch next, long[] changed, Dictionary<long, int> nextSlots, CancellationToken cancellationToken)
    {
        var dim = source.Dim;
        var rows = new float[changed.Length * dim];
        var staticRows = source.HasStaticChannel ? new float[changed.Length * dim] : [];
        await WaitedAsync(source.PullAsync(changed, rows, staticRows, new bool[changed.Length], cancellationToken));
        for (var i = 0; i < changed.Length; i++)
            rows.AsSpan(i * dim, dim).CopyTo(next.Rows.AsSpan(nextSlots[changed[i]] * dim, dim));
    }
}
