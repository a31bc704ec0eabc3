using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EmbeddingStore.Cli;

/// <summary>
/// <c>embstore serve ARGS</c> and <c>embstore keys ARGS</c>: the server program (<c>src/EmbeddingStore</c>) run as a
/// child process with the same arguments (<c>EmbeddingStore ARGS</c>, <c>EmbeddingStore keys ARGS</c>), sharing this
/// process's console; its exit code is this one's. The CLI references the client only, so the server is found, not
/// linked: <c>$EMBSTORE_SERVER</c>, else <c>EmbeddingStore.dll</c> beside <c>embstore.dll</c>, else the
/// repository's build output of the same configuration.
/// </summary>
internal static partial class ServerProgram
{
    public const string EnvironmentVariable = "EMBSTORE_SERVER";

    /// <summary>The commands that only list <c>serve</c> and <c>keys</c> in the help; <see cref="CliApp.RunAsync"/> hands them over before parsing.</summary>
    public static IEnumerable<Command> Build() =>
    [
        Forwarding("serve", [], "run the store server in a child process until Ctrl+C: the EmbeddingStore program with these options (see `embstore serve --help`)"),
        Forwarding("keys", ["keys"], "make API keys and their hashes for the key file: the EmbeddingStore program's `keys new` and `keys hash`"),
    ];

    /// <summary>The arguments the server program gets for an <c>embstore</c> command line, or null when it is not one of its commands.</summary>
    public static string[]? ServerArguments(string[] args) => args switch
    {
        ["serve", .. var rest] => rest,
        ["keys", ..] => args,
        _ => null,
    };

    private static Command Forwarding(string name, string[] prefix, string description)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((parsed, _) => RunAsync([.. prefix, .. parsed.UnmatchedTokens]));
        return command;
    }

    public static async Task<int> RunAsync(string[] serverArgs)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } named && !File.Exists(named))
        {
            await Console.Error.WriteLineAsync($"error: ${EnvironmentVariable} names {named}, which does not exist");
            return 1;
        }
        var program = Locate();
        if (program is null)
        {
            await Console.Error.WriteLineAsync(
                $"error: the server program was not found: build it (dotnet build src/EmbeddingStore) or set ${EnvironmentVariable} " +
                "to its EmbeddingStore.dll; it can also be run directly: dotnet run --project src/EmbeddingStore -- ...");
            return 1;
        }
        var info = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo(DotnetHost()) { ArgumentList = { program } }
            : new ProcessStartInfo(program);
        foreach (var arg in serverArgs) info.ArgumentList.Add(arg);
        info.UseShellExecute = false;
        using var child = Process.Start(info)!;
        // The child shares the terminal, so Ctrl+C (SIGINT) and Ctrl+\ (SIGQUIT) reach it as well: this process only
        // stays to wait for it. SIGTERM, which systemd or `kill` send to this process alone, is passed on. Either way
        // this process returns once the server has stopped, with its exit code.
        using var term = OnSignal(PosixSignal.SIGTERM, child, forward: true);
        using var interrupt = OnSignal(PosixSignal.SIGINT, child, forward: false);
        using var quit = OnSignal(PosixSignal.SIGQUIT, child, forward: false);
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    private static string? Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } named) return named;
        var here = AppContext.BaseDirectory;
        var beside = Path.Combine(here, "EmbeddingStore.dll");
        if (File.Exists(beside)) return beside;
        // src/Cli/bin/<configuration>/<framework>/ -> src/EmbeddingStore/bin/<configuration>/<framework>/
        var framework = new DirectoryInfo(here.TrimEnd(Path.DirectorySeparatorChar));
        if (framework.Parent is { Parent.Parent.Parent: { } src } configuration)
        {
            var built = Path.Combine(src.FullName, "EmbeddingStore", "bin", configuration.Name, framework.Name, "EmbeddingStore.dll");
            if (File.Exists(built)) return built;
        }
        return null;
    }

    /// <summary>The dotnet host running this process when there is one (<c>dotnet embstore.dll</c>), else dotnet on PATH.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static PosixSignalRegistration? OnSignal(PosixSignal signal, Process child, bool forward)
    {
        if (OperatingSystem.IsWindows()) return null;
        return PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            if (forward && !child.HasExited) _ = Kill(child.Id, SigTerm);
        });
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
