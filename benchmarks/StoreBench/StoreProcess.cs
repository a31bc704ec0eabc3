using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace StoreBench;

/// <summary>The store server as a separate process on 127.0.0.1, built in the same configuration as this program.</summary>
public sealed class StoreProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TextWriter? _log;

    private StoreProcess(Process process, int port, TextWriter? log)
    {
        _process = process;
        _log = log;
        Address = $"http://127.0.0.1:{port}";
    }

    public string Address { get; }

    /// <summary>Resident memory of the server process, from /proc.</summary>
    public long ResidentBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>CPU time (user and system) the server process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Peak resident memory of the server process since it started (VmHWM in /proc/PID/status).</summary>
    public long PeakResidentBytes
    {
        get
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
    }

    /// <summary>More server options from STOREBENCH_SERVER_ARGS, e.g. "--in-memory" to measure the store without durability.</summary>
    private static string[] ExtraArguments =>
        (Environment.GetEnvironmentVariable("STOREBENCH_SERVER_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The server built in this program's configuration, and a loopback port free at the time of the call.</summary>
    internal static (string Server, int Port) ServerAndFreePort()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "EmbeddingStore.sln"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var server = Path.Combine(root, "src", "EmbeddingStore", "bin", configuration, "net10.0", "EmbeddingStore.dll");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return (server, port);
    }

    public static async Task<StoreProcess> StartAsync(string dataDir, string importDir, int memoryMb)
    {
        var (server, port) = ServerAndFreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        var compactions = new StrongBox<int>();
        foreach (var a in (string[])[server, "--port", port.ToString(), "--data-dir", dataDir, "--import-dir", importDir, "--memory-mb", memoryMb.ToString(), "--checkpoint-interval", "0", .. ExtraArguments])
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource();
        // STOREBENCH_SERVER_LOG=path keeps the server's log (checkpoint durations, errors) for a look after the run.
        var logPath = Environment.GetEnvironmentVariable("STOREBENCH_SERVER_LOG");
        var log = logPath is null ? null : TextWriter.Synchronized(new StreamWriter(logPath, append: true) { AutoFlush = true });
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            log?.WriteLine(e.Data);
            if (e.Data.Contains("EmbeddingStore listening on")) listening.TrySetResult();
            if (e.Data.Contains("Compacted the log")) Interlocked.Increment(ref compactions.Value);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log?.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(listening.Task, Task.Delay(30_000)) != listening.Task)
        {
            process.Kill(true);
            log?.Dispose();
            throw new InvalidOperationException($"the store at {server} did not start");
        }
        return new StoreProcess(process, port, log) { _compactions = compactions };
    }

    private StrongBox<int> _compactions = new();

    /// <summary>Log compactions the server has reported so far.</summary>
    public int Compactions => Volatile.Read(ref _compactions.Value);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        // Also waits until the redirected output has been read to its end: nothing is written to the log after it closes.
        await _process.WaitForExitAsync();
        _process.Dispose();
        _log?.Dispose();
    }
}
