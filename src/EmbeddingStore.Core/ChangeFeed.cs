namespace EmbeddingStore.Core;

/// <summary>
/// The store's recent row changes, for subscriptions: a ring of (space, row id, version) in the order the
/// writes finished, holding the last <see cref="Capacity"/> changes, and the watermark: the version up to
/// which every write has finished. Writers never wait for readers: a write registers when it starts and
/// appends its changes when it ends, each under a short lock. A reader keeps a sequence number into the
/// ring; one that falls a whole ring behind is told so and must catch up by other means (a resync).
/// </summary>
internal sealed class ChangeFeed
{
    /// <summary>One applied write of one row: the space whose record changed, the row, its new version.</summary>
    public readonly record struct Change(int Space, long RowId, long Version);

    private readonly Change[] _ring;
    private readonly Func<long> _storeVersion;
    private readonly object _lock = new();
    private readonly Queue<long> _ticketOrder = new();
    private readonly Dictionary<long, long> _startedAt = [];
    private long _nextTicket;
    private long _head;
    private long _evictedVersion;
    private TaskCompletionSource _advanced = NewSignal();

    /// <param name="capacity">Changes kept; older ones are overwritten.</param>
    /// <param name="storeVersion">The store's current version. Changes at or below its value now are not in the ring.</param>
    public ChangeFeed(int capacity, Func<long> storeVersion)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new Change[capacity];
        _storeVersion = storeVersion;
        _evictedVersion = storeVersion();
    }

    public int Capacity => _ring.Length;

    /// <summary>
    /// Registers a write before it takes any version, so the watermark stays below the versions it will
    /// take until <see cref="EndWrite"/>. Returns the ticket to end it with.
    /// </summary>
    public long BeginWrite()
    {
        lock (_lock)
        {
            var ticket = _nextTicket++;
            _ticketOrder.Enqueue(ticket);
            _startedAt[ticket] = _storeVersion();
            return ticket;
        }
    }

    /// <summary>Appends a finished write's changes (possibly none) and wakes waiting readers. Call exactly once per ticket.</summary>
    public void EndWrite(long ticket, ReadOnlySpan<Change> changes)
    {
        TaskCompletionSource advanced;
        lock (_lock)
        {
            foreach (var change in changes)
            {
                ref var slot = ref _ring[_head % _ring.Length];
                if (_head >= _ring.Length) _evictedVersion = Math.Max(_evictedVersion, slot.Version);
                slot = change;
                _head++;
            }
            _startedAt.Remove(ticket);
            while (_ticketOrder.TryPeek(out var oldest) && !_startedAt.ContainsKey(oldest)) _ticketOrder.Dequeue();
            advanced = _advanced;
            _advanced = NewSignal();
        }
        advanced.TrySetResult();
    }

    /// <summary>Wakes waiting readers without a change, e.g. when a view they follow is deleted.</summary>
    public void Wake()
    {
        TaskCompletionSource advanced;
        lock (_lock)
        {
            advanced = _advanced;
            _advanced = NewSignal();
        }
        advanced.TrySetResult();
    }

    /// <summary>
    /// The sequence number of the next change and the watermark, read together: every change with a version
    /// at or below the watermark has a sequence number below the head.
    /// </summary>
    public (long Head, long Watermark) Position()
    {
        lock (_lock)
        {
            var watermark = _ticketOrder.TryPeek(out var oldest) ? _startedAt[oldest] : _storeVersion();
            return (_head, watermark);
        }
    }

    /// <summary>The sequence number of the oldest change still held.</summary>
    public long Oldest
    {
        get { lock (_lock) return Math.Max(0, _head - _ring.Length); }
    }

    /// <summary>Whether the ring still holds every change with a version above <paramref name="version"/>.</summary>
    public bool HoldsChangesAfter(long version)
    {
        lock (_lock) return version >= _evictedVersion;
    }

    /// <summary>
    /// Copies changes from sequence number <paramref name="from"/> (up to <paramref name="until"/>, as many as fit).
    /// Returns the number copied, or -1 when the ring no longer holds <paramref name="from"/>.
    /// </summary>
    public int Read(long from, long until, Span<Change> destination)
    {
        lock (_lock)
        {
            if (from < _head - _ring.Length) return -1;
            var count = (int)Math.Min(destination.Length, Math.Min(until, _head) - from);
            for (var i = 0; i < count; i++) destination[i] = _ring[(from + i) % _ring.Length];
            return Math.Max(0, count);
        }
    }

    /// <summary>Completes once a change is appended after <paramref name="head"/>, or on <see cref="Wake"/>.</summary>
    public Task WaitAsync(long head, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_lock)
        {
            if (_head > head) return Task.CompletedTask;
            signal = _advanced.Task;
        }
        return signal.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
