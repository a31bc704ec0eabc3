namespace Trainer.Core.Cpu;

/// <summary>
/// Runs the items of a loop on up to <see cref="Workers"/> threads that take items from a shared counter (sentences
/// differ in length, so fixed chunks would leave a core idle). The body learns its worker number, which indexes
/// per-worker scratch; results must not depend on which worker ran an item, and none of the CPU kernels' do.
/// </summary>
internal sealed class WorkerPool
{
    private readonly Action<int> _loop;
    private Action<int, int>? _body;
    private int _next, _count;

    public WorkerPool(int workers)
    {
        Workers = Math.Max(1, workers);
        _loop = Loop;
    }

    public int Workers { get; }

    /// <param name="body">(worker, item); cache the delegate: a fresh lambda per call would allocate every step.</param>
    public void Run(int count, Action<int, int> body)
    {
        if (count <= 0) return;
        (_body, _count, _next) = (body, count, 0);
        int workers = Math.Min(Workers, count);
        if (workers == 1) Loop(0);
        else Parallel.For(0, workers, _loop);
    }

    private void Loop(int worker)
    {
        int item;
        while ((item = Interlocked.Increment(ref _next) - 1) < _count) _body!(worker, item);
    }
}
