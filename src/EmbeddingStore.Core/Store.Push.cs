using System.Buffers;
using System.Numerics.Tensors;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>Pushes: validation, summing repeated rows, copy-on-write, the optimizer's read-modify-write, logging.</summary>
public sealed partial class Store
{
    public async ValueTask<PushResult> PushAsync(string view, PushKind kind, ReadOnlyMemory<long> ids, ReadOnlyMemory<float> values,
        bool reportFrozen, bool durable, CancellationToken cancellationToken, Memory<float> rowsAfter = default,
        ReadOnlyMemory<byte> requestId = default)
    {
        if (requestId.IsEmpty) return await ApplyPushAsync(view, kind, ids, values, reportFrozen, durable, null, cancellationToken, rowsAfter);
        if (requestId.Length > RecentPushes.MaxIdBytes)
            throw new StoreException(StoreError.InvalidArgument, $"a request id has 1 to {RecentPushes.MaxIdBytes} bytes, not {requestId.Length}");
        var key = Convert.ToHexString(requestId.Span);
        while (true)
        {
            var (answer, earlier, mine) = _recentPushes.Begin(key);
            if (answer is not null)
            {
                if (!rowsAfter.IsEmpty) ReadCurrentRows(Chain(view), ids.Span, rowsAfter.Span);
                return answer with { Replayed = true };
            }
            if (earlier is not null)
            {
                // The same request is being applied by an earlier attempt: its answer is this one's; if it failed, apply.
                try { await earlier.WaitAsync(cancellationToken); }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { }
                continue;
            }
            try
            {
                var result = await ApplyPushAsync(view, kind, ids, values, reportFrozen, durable,
                    applied => _recentPushes.Remember(key, requestId.Span, applied, this), cancellationToken, rowsAfter);
                mine!.TrySetResult(result);
                return result;
            }
            catch (Exception e)
            {
                _recentPushes.Abandon(key, mine!, e);
                throw;
            }
        }
    }

    /// <summary>The rows' current values through the view, in request order (zeros for a row that is gone).</summary>
    private void ReadCurrentRows(ViewChain chain, ReadOnlySpan<long> ids, Span<float> rows)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(ViewRecords.RecordCapacity(chain));
        try
        {
            for (var i = 0; i < ids.Length; i++) ReadCurrentRow(chain, ids[i], rows.Slice(i * chain.Dim, chain.Dim), scratch);
        }
        finally { ArrayPool<byte>.Shared.Return(scratch); }
    }

    /// <summary>A row's current value through the view into <paramref name="destination"/>; zeros when it is gone (or the padding row).</summary>
    private void ReadCurrentRow(ViewChain chain, long id, Span<float> destination, byte[] scratch)
    {
        if (_viewRecords.Read(chain, id, scratch) is var position && position >= 0 && position != ViewRecords.PadPosition)
            RowRecord.Vector((ReadOnlySpan<byte>)scratch).CopyTo(destination);
        else destination.Clear();
    }

    /// <summary>
    /// Applies a push: validated whole before the first row is written, then every row (a cancellation is looked at
    /// only before the first: a push that started is applied whole). <paramref name="remember"/> records the answer
    /// of a push with a request id, logged before the durable commit so that the commit covers it too.
    /// </summary>
    private async ValueTask<PushResult> ApplyPushAsync(string view, PushKind kind, ReadOnlyMemory<long> ids, ReadOnlyMemory<float> values,
        bool reportFrozen, bool durable, Action<PushResult>? remember, CancellationToken cancellationToken, Memory<float> rowsAfter)
    {
        _disk.EnsureRoomForWrite();
        var chain = Chain(view);
        var dim = chain.Dim;
        if (!rowsAfter.IsEmpty && rowsAfter.Length != ids.Length * dim)
            throw new StoreException(StoreError.InvalidArgument, $"the rows after a push need {ids.Length * dim} floats, not {rowsAfter.Length}");
        var (distinct, sums, rejected) = PreparePush(chain, kind, ids.Span, values, reportFrozen);
        var mayOverflow = !CannotOverflow(kind, chain.View.Optimizer, sums.Span);
        var updater = new RowUpdater(kind, chain.View.Optimizer, NextVersion) { GuardsResults = mayOverflow };
        if (mayOverflow) RefuseNonFiniteResults(chain, distinct, sums, updater);
        var applied = 0;
        // Written rows in the order of `distinct`: straight into the caller's buffer when that is the request order.
        var inRequestOrder = distinct.Count == ids.Length;
        var written = rowsAfter.IsEmpty ? null : inRequestOrder ? null : ArrayPool<float>.Shared.Rent(distinct.Count * dim);
        var writtenRows = rowsAfter.IsEmpty ? default : inRequestOrder ? rowsAfter : written.AsMemory(0, distinct.Count * dim);
        var wasWritten = rowsAfter.IsEmpty ? null : new bool[distinct.Count];
        var scratch = ArrayPool<byte>.Shared.Rent(ViewRecords.RecordCapacity(chain));
        await _wal.WaitForRoomAsync((long)distinct.Count * WalEntryBytes(chain), cancellationToken);
        await _pushGate.WaitAsync(cancellationToken);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var write = _rowWrites.Begin(chain, distinct.Count);
            for (var r = 0; r < distinct.Count; r++)
            {
                updater.Values = sums.Slice(r * dim, dim);
                if (!write.Update(distinct[r], updater, scratch)) rejected.Add(new RejectedRow(distinct[r], "row no longer exists"));
                else if (updater.Refused) rejected.Add(new RejectedRow(distinct[r], "its result would not be finite (a concurrent push changed the row)"));
                else
                {
                    if (applied++ == 0) CrashPoints.Reach(CrashPoint.PushApplying);
                    if (wasWritten is not null)
                    {
                        RowRecord.Vector((ReadOnlySpan<byte>)scratch).CopyTo(writtenRows.Span.Slice(r * dim, dim));
                        wasWritten[r] = true;
                    }
                }
            }
        }
        finally
        {
            _pushGate.Release();
            ArrayPool<byte>.Shared.Return(scratch);
        }
        try
        {
            if (wasWritten is not null) FillRowsAfter(chain, ids.Span, distinct, writtenRows.Span, wasWritten, rowsAfter.Span, inRequestOrder);
        }
        finally
        {
            if (written is not null) ArrayPool<float>.Shared.Return(written);
        }
        var result = new PushResult(applied, rejected, updater.LastVersion, durable && !_options.InMemory);
        remember?.Invoke(result);
        CrashPoints.Reach(CrashPoint.PushApplied);
        if (durable)
        {
            await CommitDurablyAsync(cancellationToken);
            CrashPoints.Reach(CrashPoint.PushCommitted);
        }
        return result;
    }

    /// <summary>
    /// Refuses the push, before anything is written, when it would leave a row's value or optimizer state infinite or
    /// NaN (finite values can overflow: a DELTA of 3e38 on a row at 3e38, an SGD step with a huge gradient): each row's
    /// update is computed on a copy of the record the view would update. A concurrent push can still move a row between
    /// this check and the write; the write then leaves that row as it is and reports it among the rejected rows.
    /// </summary>
    private void RefuseNonFiniteResults(ViewChain chain, List<long> distinct, ReadOnlyMemory<float> sums, RowUpdater updater)
    {
        var capacity = ViewRecords.RecordCapacity(chain);
        var source = ArrayPool<byte>.Shared.Rent(capacity);
        var copy = ArrayPool<byte>.Shared.Rent(capacity);
        try
        {
            for (var r = 0; r < distinct.Count; r++)
            {
                // The view's own record is updated as it is; an inherited one is first copied with fresh optimizer state.
                if (!_viewRecords.ReadForUpdate(chain, distinct[r], source, copy)) continue; // the write reports it
                updater.Values = sums.Slice(r * chain.Dim, chain.Dim);
                if (updater.WouldLeaveNonFinite(copy) is { } problem)
                    throw new StoreException(StoreError.InvalidArgument,
                        $"push refused, nothing applied: row {distinct[r]}'s {problem}; updates must leave rows finite");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(source);
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>
    /// Whether the push's result is finite whatever its rows hold, so that they need not be read first nor each result
    /// checked as it is written (<see cref="RowUpdater.GuardsResults"/>): an ASSIGN writes its (finite) values and leaves
    /// the optimizer state; a DELTA or an SGD step adds at most 1e30 to each value, under half the spacing of floats at
    /// float's largest value (about 1e31), so no finite row can round past it. The stateful optimizers' accumulators are
    /// always checked.
    /// </summary>
    private static bool CannotOverflow(PushKind kind, OptimizerSettings optimizer, ReadOnlySpan<float> values)
    {
        if (kind == PushKind.Assign) return true;
        if (kind == PushKind.Gradient && optimizer.Kind != OptimizerKind.Sgd) return false;
        var scale = kind == PushKind.Delta ? 1f : Math.Max(1f, Math.Abs(optimizer.LearningRate));
        return values.IsEmpty || Math.Abs(TensorPrimitives.MaxMagnitude(values)) * scale <= 1e30f; // MaxMagnitude keeps the sign
    }

    /// <summary>
    /// Lays out a push's rows as it left them in request order: the written value of an applied row, the current
    /// value of one it did not apply (refused as frozen, or gone: zeros).
    /// </summary>
    private void FillRowsAfter(ViewChain chain, ReadOnlySpan<long> ids, List<long> distinct, ReadOnlySpan<float> written,
        bool[] wasWritten, Span<float> rowsAfter, bool inRequestOrder)
    {
        var dim = chain.Dim;
        var slots = inRequestOrder ? null : new Dictionary<long, int>(distinct.Count);
        if (slots is not null)
            for (var r = 0; r < distinct.Count; r++) slots[distinct[r]] = r;
        var scratch = ArrayPool<byte>.Shared.Rent(ViewRecords.RecordCapacity(chain));
        try
        {
            for (var i = 0; i < ids.Length; i++)
            {
                var destination = rowsAfter.Slice(i * dim, dim);
                var slot = inRequestOrder ? i : slots!.GetValueOrDefault(ids[i], -1);
                if (slot >= 0 && wasWritten[slot])
                {
                    if (!inRequestOrder) written.Slice(slot * dim, dim).CopyTo(destination);
                    continue;
                }
                ReadCurrentRow(chain, ids[i], destination, scratch);
            }
        }
        finally { ArrayPool<byte>.Shared.Return(scratch); }
    }

    /// <summary>About what one pushed row adds to the write-ahead log: its after-image (a short token assumed) under its key.</summary>
    private static long WalEntryBytes(ViewChain chain) =>
        WriteAheadLog.EntryBytes(Keys.RowKeyLength, RowRecord.Length(chain.Dim, chain.Slots, tokenBytes: 16));

    /// <summary>
    /// Validates a push and sums repeated rows; refuses frozen rows unless asked to report them. Without
    /// repeated or refused rows the values are used as they are, without a copy.
    /// </summary>
    private static (List<long> Distinct, ReadOnlyMemory<float> Sums, List<RejectedRow> Rejected) PreparePush(
        ViewChain chain, PushKind kind, ReadOnlySpan<long> ids, ReadOnlyMemory<float> valueMemory, bool reportFrozen)
    {
        var dim = chain.Dim;
        var values = valueMemory.Span;
        if (!Enum.IsDefined(kind)) throw new StoreException(StoreError.InvalidArgument, $"unknown push kind {kind}");
        if (values.Length != ids.Length * dim)
            throw new StoreException(StoreError.InvalidArgument,
                $"values hold {values.Length} floats; {ids.Length} rows of dimension {dim} need {ids.Length * dim}");
        // One vectorized pass (the largest magnitude is NaN or infinite when any value is); the offender is looked up
        // only when there is one.
        if (values.Length > 0 && !float.IsFinite(TensorPrimitives.MaxMagnitude(values)))
            for (var i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i]))
                    throw new StoreException(StoreError.InvalidArgument, $"value {i % dim} of row {ids[i / dim]} is {values[i]}: updates must be finite");

        var index = new Dictionary<long, int>();
        var distinct = new List<long>();
        var rejected = new List<RejectedRow>();
        foreach (var id in ids)
        {
            if (index.ContainsKey(id)) continue;
            var reason = id == PadRowId ? "the padding row is never trainable"
                : chain.PositionOfOwner(id) < 0 ? null
                : ViewRecords.IsTrainable(chain, id) ? "" : $"view '{chain.View.Name}' ({chain.View.Mode}) may not train this row";
            if (reason is null) throw new StoreException(StoreError.NotFound, RowNotFoundMessage(chain, id));
            if (reason.Length > 0)
            {
                index[id] = -1;
                rejected.Add(new RejectedRow(id, reason));
                continue;
            }
            index[id] = distinct.Count;
            distinct.Add(id);
        }
        if (rejected.Count > 0 && !reportFrozen)
            throw new StoreException(StoreError.FailedPrecondition,
                $"push refused, nothing applied: {rejected.Count} row(s) are not trainable through view '{chain.View.Name}', e.g. row {rejected[0].Id}: {rejected[0].Reason}");

        if (distinct.Count == ids.Length) return (distinct, valueMemory, rejected);
        var sums = new float[distinct.Count * dim];
        for (var i = 0; i < ids.Length; i++)
        {
            var slot = index[ids[i]];
            if (slot < 0) continue;
            var target = sums.AsSpan(slot * dim, dim);
            var source = values.Slice(i * dim, dim);
            if (kind == PushKind.Assign) source.CopyTo(target);
            else for (var d = 0; d < dim; d++) target[d] += source[d];
        }
        return (distinct, sums, rejected);
    }
}
