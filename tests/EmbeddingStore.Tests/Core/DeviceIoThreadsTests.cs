using System.Runtime.InteropServices;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Tests.Core;

/// <summary>Where <see cref="DirectFileDevice"/>'s blocking requests run.</summary>
public sealed class DeviceIoThreadsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embstore-device-io-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static unsafe nint AlignedBuffer(int bytes) => (nint)NativeMemory.AlignedAlloc((nuint)bytes, DirectFileDevice.Alignment);

    private static unsafe void Free(nint buffer) => NativeMemory.AlignedFree((void*)buffer);

    [Fact]
    public async Task Requests_RunOnTheDeviceThreads_NotOnTheThreadPool()
    {
        // A checkpoint's burst of blocking writes on the thread pool starved gRPC calls of workers (docs/benchmarks.md).
        using var device = DirectFileDevice.Create(Path.Combine(_dir, "log"), recover: false);
        device.Initialize(-1);
        var buffer = AlignedBuffer(4096);
        try
        {
            var ran = new TaskCompletionSource<(bool PoolThread, string? Name)>(TaskCreationOptions.RunContinuationsAsynchronously);
            device.WriteAsync(buffer, 0, 0, 4096, (_, _, _) =>
                ran.SetResult((Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name)), null);
            var (poolThread, name) = await ran.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(poolThread);
            Assert.StartsWith("device-io-", name);
        }
        finally
        {
            Free(buffer);
        }
    }

    [Fact]
    public async Task ManyMoreRequestsThanThreads_AllComplete()
    {
        using var device = DirectFileDevice.Create(Path.Combine(_dir, "log"), recover: false);
        device.Initialize(-1);
        const int requests = DeviceIoThreads.Count * 8;
        var buffer = AlignedBuffer(4096);
        try
        {
            var done = 0;
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            for (var i = 0; i < requests; i++)
                device.WriteAsync(buffer, 0, (ulong)i * 4096, 4096, (error, bytes, _) =>
                {
                    if (error != 0 || bytes != 4096) all.TrySetException(new IOException($"error {error}, {bytes} bytes"));
                    else if (Interlocked.Increment(ref done) == requests) all.SetResult();
                }, null);
            await all.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(requests * 4096L, device.GetFileSize(0));
        }
        finally
        {
            Free(buffer);
        }
    }

    [Fact]
    public async Task UrgentRequest_StartsWhileEveryOtherThreadIsBusyAndNormalRequestsQueue()
    {
        // The write-ahead log's flush once waited behind a whole checkpoint's page writes in one arrival-order queue, and
        // default pushes acknowledged 0.5-1.1 s before a kill were lost (docs/crash-safety.md).
        // Not disposed: the queued requests run after the test and wait on it (a disposed gate killed the test host).
        var gate = new ManualResetEventSlim(false);
        var started = 0;
        var urgentRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            for (var i = 0; i < DeviceIoThreads.Count * 4; i++)
                DeviceIoThreads.Run(() =>
                {
                    Interlocked.Increment(ref started);
                    gate.Wait(TimeSpan.FromSeconds(30));
                });
            DeviceIoThreads.Run(urgentRan.SetResult, urgent: true);
            await urgentRan.Task.WaitAsync(TimeSpan.FromSeconds(10));
            // Every normal request still queued or blocked: the urgent one went past all of them.
            Assert.True(Volatile.Read(ref started) <= DeviceIoThreads.Count - DeviceIoThreads.ReservedForUrgent, $"{started} normal requests started");
        }
        finally { gate.Set(); }
    }
}
