using Grpc.Core;

namespace CrashLoop;

/// <summary>
/// The clients of one cycle, from the store's start until its kill: each repeats one step until stopped. A step that
/// fails before the kill is a failure of the store (the client stops); after it, the expected end.
/// </summary>
public sealed class CycleRun(int cycle, FailureList failures) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];
    private volatile bool _killing;

    public int Cycle { get; } = cycle;
    public FailureList Failures { get; } = failures;
    public CancellationToken Stopping => _stop.Token;

    public void Start(string client, Func<CancellationToken, Task> step) => _clients.Add(Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await step(_stop.Token); }
            catch (Exception) when (_killing || _stop.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                Failures.Add(Cycle, "call-failed", client, "an answer (the store was not killed yet)", e is RpcException rpc ? rpc.Status.ToString() : e.ToString());
                return;
            }
        }
    }));

    /// <summary>Marks every failure from now on as caused by the kill, kills, and waits for the clients to stop.</summary>
    public async Task KillAsync(Func<Task> kill)
    {
        _killing = true;
        await kill();
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
    }

    public void Dispose() => _stop.Dispose();
}
