using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real store process on 127.0.0.1 with its own data folder, as a user starts it. Killing it
/// (not stopping it) is how the crash tests simulate a power cut.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    public int Port { get; }
    public string DataDir { get; }
    public string ImportDir { get; }
    /// <summary>https when the server was started with <c>--tls-cert</c>.</summary>
    public string Address => $"{(_tls ? "https" : "http")}://127.0.0.1:{Port}";
    public IReadOnlyList<string> Output { get { lock (_output) return [.. _output]; } }

    private readonly bool _tls;

    private ServerProcess(Process process, int port, string dataDir, string importDir, bool tls)
    {
        _process = process;
        _tls = tls;
        Port = port;
        DataDir = dataDir;
        ImportDir = importDir;
    }

    public static Task<ServerProcess> StartAsync(string? dataDir = null, string? importDir = null, int? port = null, params string[] extraArgs) =>
        StartProgramAsync([RepoPaths.Program("EmbeddingStore", "EmbeddingStore")], dataDir, importDir, port, extraArgs);

    /// <summary>The server with these environment variables set as well (test-only settings).</summary>
    public static Task<ServerProcess> StartWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, string? dataDir = null,
        string? importDir = null) =>
        StartProgramAsync([RepoPaths.Program("EmbeddingStore", "EmbeddingStore")], dataDir, importDir, null, [], environment);

    /// <summary>The same server started as <c>embstore serve</c>, which runs it as its child process.</summary>
    public static Task<ServerProcess> StartWithCliAsync() => StartProgramAsync([RepoPaths.Program("Cli", "embstore"), "serve"], null, null, null, []);

    private static async Task<ServerProcess> StartProgramAsync(string[] program, string? dataDir, string? importDir, int? port, string[] extraArgs,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        dataDir ??= Path.Combine(Path.GetTempPath(), "embstore-e2e-" + Guid.NewGuid().ToString("N"));
        importDir ??= Path.Combine(dataDir, "import");
        Directory.CreateDirectory(importDir);
        var chosenPort = port ?? FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        foreach (var arg in (string[])[.. program, "--port", chosenPort.ToString(),
                     "--data-dir", dataDir, "--import-dir", importDir, "--memory-mb", "64", .. extraArgs])
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        var server = new ServerProcess(process, chosenPort, dataDir, importDir, extraArgs.Contains("--tls-cert"));
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (server._output) server._output.Add(line);
            // The store opens (recovery, its first version lease) after the server listens, and refuses calls with
            // UNAVAILABLE until then: a test starts talking to it once it is ready, or once opening it failed.
            if (line.Contains("Store ready after", StringComparison.Ordinal) || line.Contains("The store could not be opened", StringComparison.Ordinal))
                listening.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != listening.Task)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("store did not start:\n" + string.Join('\n', server.Output));
        }
        return server;
    }

    /// <summary>Waits until a line of the server's output satisfies <paramref name="match"/>, polling its captured output.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Output.FirstOrDefault(match) is { } line) return line;
            if (cts.IsCancellationRequested) throw new TimeoutException("no matching line in the server's output:\n" + string.Join('\n', Output));
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed by the process.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd or Ctrl+C would: the store checkpoints and exits.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The server process's resident memory now.</summary>
    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>A TCP port free at the time of the call.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    /// <summary>Stops the process if it still runs (it writes to the folder until then) and removes the data folder.</summary>
    public void DeleteData()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        if (Directory.Exists(DataDir)) Directory.Delete(DataDir, recursive: true);
    }
}
