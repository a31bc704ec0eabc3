using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EmbeddingStore.Client;

namespace StoreBench;

/// <summary>
/// The real store process for the restart measurement: started on a given data folder, its output lines kept with the
/// time each arrived (from the moment of <see cref="Process.Start()"/>), stopped with SIGTERM or killed with SIGKILL.
/// </summary>
public sealed class RestartServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _sinceStart;
    private readonly List<(double Seconds, string Line)> _lines = [];

    private RestartServer(Process process, Stopwatch sinceStart, int port)
    {
        _process = process;
        _sinceStart = sinceStart;
        Address = $"http://127.0.0.1:{port}";
    }

    public string Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>Seconds since the process was started.</summary>
    public double Elapsed => _sinceStart.Elapsed.TotalSeconds;

    public IReadOnlyList<(double Seconds, string Line)> Lines { get { lock (_lines) return [.. _lines]; } }

    /// <summary>The first output line containing <paramref name="text"/> and when it arrived, or null.</summary>
    public (double Seconds, string Line)? FirstLine(string text) =>
        Lines.Where(l => l.Line.Contains(text, StringComparison.Ordinal)).Cast<(double, string)?>().FirstOrDefault();

    /// <summary>Starts the Release (or this program's configuration) server; returns at once, before it listens.</summary>
    public static RestartServer Start(string dataDir, int memoryMb, params string[] extra)
    {
        var (server, port) = StoreProcess.ServerAndFreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[server, "--host", "127.0.0.1", "--port", port.ToString(), "--data-dir", dataDir,
                     "--memory-mb", memoryMb.ToString(), .. extra])
            info.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        var started = new RestartServer(process, clock, port);
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (started._lines) started._lines.Add((clock.Elapsed.TotalSeconds, line));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Seconds from the process start until the gRPC health service answers SERVING, as a client sees it.</summary>
    public async Task<double> WaitForServingAsync(EmbeddingStoreClient client, TimeSpan timeout)
    {
        try { await client.WaitForServingAsync(timeout); }
        catch (TimeoutException) when (_process.HasExited)
        {
            throw new InvalidOperationException("the store exited while starting:\n" + string.Join('\n', Lines.TakeLast(30).Select(l => l.Line)));
        }
        return Elapsed;
    }

    /// <summary>SIGKILL: nothing runs in the process after it, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd or Ctrl+C: the store takes a final checkpoint and exits. Returns the seconds it took.</summary>
    public async Task<double> StopAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        if (_process.ExitCode != 0)
            throw new InvalidOperationException($"the store exited with {_process.ExitCode} after SIGTERM:\n" +
                                                string.Join('\n', Lines.TakeLast(30).Select(l => l.Line)));
        return clock.Elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
