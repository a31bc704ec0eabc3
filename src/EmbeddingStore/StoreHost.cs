using EmbeddingStore.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EmbeddingStore.Server;

/// <summary>Opens a store: the real one by default; tests may substitute a slower or failing opener.</summary>
public delegate Task<Store> StoreOpener(CancellationToken cancellationToken);

/// <summary>
/// Owns the store's lifetime. Opening (recovery included) runs in the background so the server can
/// answer health checks with NOT_SERVING meanwhile; calls before it is ready get UNAVAILABLE. On
/// shutdown, after Kestrel has drained, the store is disposed, which takes a final checkpoint.
/// </summary>
public sealed class StoreHost(StoreOpener opener, ILogger<StoreHost> logger, IHostApplicationLifetime lifetime) : IHostedService, IHealthCheck
{
    private Task<Store>? _opening;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        _opening = Task.Run(async () =>
        {
            try
            {
                var store = await opener(lifetime.ApplicationStopping);
                ServerLog.StoreReady(logger, started.ElapsedMilliseconds);
                if (store.DiskReserve is { } reserve) ServerLog.DiskReserve(logger, reserve);
                return store;
            }
            catch (Exception e)
            {
                ServerLog.StoreFailed(logger, e);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                throw;
            }
        });
        return Task.CompletedTask;
    }

    /// <summary>The open store, or UNAVAILABLE while it is still recovering (or failed to open).</summary>
    public IEmbeddingStore Store
    {
        get
        {
            var opening = _opening;
            if (opening is null || !opening.IsCompleted)
                throw new StoreException(StoreError.Unavailable, "the store is recovering; retry shortly");
            if (!opening.IsCompletedSuccessfully)
                throw new StoreException(StoreError.Unavailable, "the store failed to open: " + opening.Exception?.GetBaseException().Message);
            return opening.Result;
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_opening is { IsCompletedSuccessfully: true }
            ? HealthCheckResult.Healthy("store open")
            : HealthCheckResult.Unhealthy(_opening is { IsFaulted: true } ? "store failed to open" : "store is recovering"));

    /// <summary>
    /// The health of writes, gRPC health service <see cref="StoreServer.WritesHealthService"/>: NOT_SERVING while the
    /// store refuses writes (too little free space in its data folder, or a failed device write; the store logs why),
    /// or is not open. The service "" says whether the store is open and serves reads.
    /// </summary>
    public sealed class WritesCheck(StoreHost host) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(host._opening is not { IsCompletedSuccessfully: true } opened ? HealthCheckResult.Unhealthy("store not open")
                : opened.Result.WriteRefusal is { } refusal ? HealthCheckResult.Unhealthy(refusal)
                : HealthCheckResult.Healthy("writes accepted"));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_opening is null) return;
        try
        {
            var store = await _opening;
            await store.DisposeAsync();
            ServerLog.StoreClosed(logger);
        }
        catch (Exception e) when (_opening.IsFaulted)
        {
            ServerLog.StoreFailed(logger, e);
        }
    }
}
