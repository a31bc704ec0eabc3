using System.Collections.Concurrent;

namespace EmbeddingStore.Core.Storage;

/// <summary>
/// The threads that carry out <see cref="DirectFileDevice"/>'s reads and writes. A direct, synchronous write blocks
/// its thread until the disk has the data, and .NET has no asynchronous file I/O on Linux that avoids that, so each
/// request needs a thread of its own while it runs. On the thread pool, a checkpoint's burst of page writes (a
/// snapshot is tens of MB) took every worker, and the gRPC calls and FASTER's completions queued behind them until
/// the pool's starvation detection added threads, about one each half second: a 50 MB snapshot that the disk writes in
/// 60-110 ms held pushes for 600-1,150 ms (docs/benchmarks.md). These threads are the pool's opposite: a fixed
/// number, started once per process, blocked on the disk or on the queue and never on the CPU, so gRPC and FASTER
/// keep the thread pool and the disk sees up to <see cref="Count"/> requests at once. Urgent requests (see
/// <see cref="Run"/>) start first, the others in the order they arrive.
/// </summary>
internal static class DeviceIoThreads
{
    /// <summary>How many requests can be in flight at once, for all devices of the process together.</summary>
    public const int Count = 16;

    /// <summary>Of <see cref="Count"/>, the threads that serve urgent requests only, so that one always starts at once.</summary>
    public const int ReservedForUrgent = 2;

    private static readonly BlockingCollection<Action> Urgent = new(new ConcurrentQueue<Action>());
    private static readonly BlockingCollection<Action> Normal = new(new ConcurrentQueue<Action>());
    private static readonly BlockingCollection<Action>[] UrgentFirst = [Urgent, Normal];

    static DeviceIoThreads()
    {
        for (var i = 0; i < Count; i++)
        {
            var reserved = i < ReservedForUrgent;
            new Thread(() =>
            {
                if (reserved)
                    foreach (var request in Urgent.GetConsumingEnumerable()) request();
                else
                    while (true)
                    {
                        // TakeFromAny looks at the collections in order: an urgent request goes before every queued normal one.
                        BlockingCollection<Action>.TakeFromAny(UrgentFirst, out var request);
                        request!();
                    }
            })
            { IsBackground = true, Name = reserved ? $"device-io-urgent-{i}" : $"device-io-{i}" }.Start();
        }
    }

    /// <summary>
    /// Queues <paramref name="request"/>, which must not throw (it reports its own errors). Urgent requests (the
    /// write-ahead log's: a default push is promised to reach the disk within the flush interval) start before every
    /// queued normal one (a checkpoint's burst of page writes), and two threads wait for them alone. Before, one queue
    /// in arrival order put a flush behind a whole checkpoint, and default pushes acknowledged 0.5-1.1 s before a kill
    /// were lost (the kill loop, docs/crash-safety.md).
    /// </summary>
    public static void Run(Action request, bool urgent = false) => (urgent ? Urgent : Normal).Add(request);
}
