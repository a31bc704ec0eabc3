using EmbeddingStore.Core;

namespace EmbeddingStore.Server.Limits;

/// <summary>
/// Bounds the imports running at once (<see cref="StoreLimits.MaxConcurrentImports"/>): each holds a parser, a
/// write session and a stream of the file, and several at once would starve pushes of CPU and log memory.
/// </summary>
public sealed class ImportSlots(ServerOptions options)
{
    private readonly SemaphoreSlim _slots = new(options.Limits.MaxConcurrentImports);
    private readonly int _limit = options.Limits.MaxConcurrentImports;

    /// <summary>Takes a slot until the returned handle is disposed, or refuses at once with RESOURCE_EXHAUSTED.</summary>
    public IDisposable Enter()
    {
        if (!_slots.Wait(0))
            throw new StoreException(StoreError.ResourceExhausted,
                $"imports running at once: {_limit + 1} > limit {_limit} (--max-concurrent-imports); retry when one has finished");
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
