using EmbeddingStore.Core;

namespace EmbeddingStore.Server.Services;

/// <summary>
/// Counts open Subscribe streams per client address, so that one client cannot hold an unbounded number of
/// them. The address is the peer's IP without its port: every connection from one host counts together.
/// </summary>
public sealed class SubscriptionLimiter(ServerOptions options)
{
    private readonly Dictionary<string, int> _open = [];

    /// <summary>Takes a slot for <paramref name="peer"/> (gRPC's "ipv4:1.2.3.4:5678" form); dispose the result to give it back.</summary>
    /// <exception cref="StoreException">ResourceExhausted when the client already holds the limit.</exception>
    public IDisposable Acquire(string peer)
    {
        var client = ClientAddress(peer);
        var limit = options.Limits.MaxSubscriptionsPerClient;
        lock (_open)
        {
            var open = _open.GetValueOrDefault(client);
            if (open >= limit)
                throw new StoreException(StoreError.ResourceExhausted,
                    $"client {client} already has {open} open subscriptions, the limit (--max-subscriptions-per-client {limit})");
            _open[client] = open + 1;
        }
        return new Slot(this, client);
    }

    /// <summary>"ipv4:127.0.0.1:5678" and "ipv6:[::1]:5678" lose their port; anything else is kept whole.</summary>
    public static string ClientAddress(string peer)
    {
        var colon = peer.LastIndexOf(':');
        var scheme = peer.IndexOf(':');
        return colon > scheme && scheme >= 0 ? peer[..colon] : peer;
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
