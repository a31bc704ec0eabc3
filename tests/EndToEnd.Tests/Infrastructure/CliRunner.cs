namespace EndToEnd.Tests.Infrastructure;

/// <summary>Runs a built program of the repository (the CLI, the trainer) as a user would, capturing its output.</summary>
public static class CliRunner
{
    public static Task<ExternalProgram.Result> RunAsync(string project, string assembly, IEnumerable<string> args, TimeSpan? timeout = null,
        IDictionary<string, string>? environment = null) =>
        ExternalProgram.RunAsync("dotnet", [RepoPaths.Program(project, assembly), .. args], timeout ?? TimeSpan.FromMinutes(2), environment: environment);

    public static Task<ExternalProgram.Result> EmbstoreAsync(string address, params string[] args) =>
        RunAsync("Cli", "embstore", ["--address", address, .. args]);
}
