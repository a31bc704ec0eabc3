namespace Trainer.Core.Kernels;

/// <summary>
/// Splits a kernel's work items into contiguous chunks, one per launched thread. Every kernel here
/// launches <see cref="Threads"/> threads: one per item on a GPU, one per core on the CPU accelerator
/// (where per-thread overhead dominates and contiguous chunks keep caches warm).
/// </summary>
public static class Work
{
    public static int Threads(ComputeDevice device, long items) => (int)Math.Max(1, Math.Min(items, device.Parallelism));

    /// <summary>First item of chunk <paramref name="thread"/>; the chunk ends where the next one starts.</summary>
    public static int Start(int thread, int threads, int items) => (int)((long)items * thread / threads);
}
