using EmbeddingStore.Core;

namespace EmbeddingStore.Server.Services;

/// <summary>
/// Counts open Subscribe streams per client (its API key, or its address without keys: see
/// <see cref="Security.CallerIdentity"/>), so that one client cannot hold an unbounded number of them.
/// </summary>
public sealed class SubscriptionLimiter(ServerOptions options)
{
    private readonly Dictionary<string, int> _open = [];

    /// <summary>Takes a slot for <paramref name="client"/>; dispose the result to give it back (once, however often it is disposed).</summary>
    /// <exception cref="StoreException">ResourceExhausted when the client already holds the limit.</exception>
    public IDisposable Acquire(string client)
    {
        var limit = options.Limits.MaxSubscriptionsPerClient;
        lock (_open)
        {
            var open = _open.GetValueOrDefault(client);
            if (open >= limit)
                throw new StoreException(StoreError.ResourceExhausted,
                    $"open subscriptions of {client}: {open} = limit {limit} (--max-subscriptions-per-client)");
            _open[client] = open + 1;
        }
        return new Slot(this, client);
    }

    private void Release(string client)
    {
        lock (_open)
        {
            if (--_open[client] == 0) _open.Remove(client);
        }
    }

    private sealed class Slot(SubscriptionLimiter limiter, string client) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) limiter.Release(client);
        }
    }
}
