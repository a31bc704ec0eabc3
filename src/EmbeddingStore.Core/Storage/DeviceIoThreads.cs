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
/// keep the thread pool and the disk sees up to <see cref="Count"/> requests at once. Requests start in the order
/// they arrive.
/// </summary>
internal static class DeviceIoThreads
{
    /// <summary>How many requests can be in flight at once, for all devices of the process together.</summary>
    public const int Count = 16;

    private static readonly BlockingCollection<Action> Requests = Start();

    private static BlockingCollection<Action> Start()
    {
        var requests = new BlockingCollection<Action>(new ConcurrentQueue<Action>());
        for (var i = 0; i < Count; i++)
        {
            new Thread(() =>
            {
                foreach (var request in requests.GetConsumingEnumerable()) request();
            })
            { IsBackground = true, Name = $"device-io-{i}" }.Start();
        }
        return requests;
    }

    /// <summary>Queues <paramref name="request"/>, which must not throw (it reports its own errors).</summary>
    public static void Run(Action request) => Requests.Add(request);
}
