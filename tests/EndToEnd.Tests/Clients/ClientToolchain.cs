using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Clients;

/// <summary>
/// The interpreters and packages the Python and Node.js clients' tests need. A missing one fails the test with
/// the package to install (CI's <c>.ci/run</c> installs them): a client suite that did not run must not pass.
/// </summary>
public static class ClientToolchain
{
    public const string PythonAptPackages = "python3-grpcio python3-grpc-tools python3-protobuf python3-numpy";

    public static string PythonDir { get; } = Path.Combine(RepoPaths.Root, "clients", "python");
    public static string NodeDir { get; } = Path.Combine(RepoPaths.Root, "clients", "node");

    /// <summary>Debian's interpreter, which sees the apt packages (a pyenv python3 on PATH does not); EMBSTORE_PYTHON overrides it.</summary>
    public static string Python { get; } = Environment.GetEnvironmentVariable("EMBSTORE_PYTHON") ?? "/usr/bin/python3";

    /// <summary>Checks the interpreter and its packages, then generates the client's stubs from protos/.</summary>
    public static async Task RequirePythonAsync()
    {
        if (!File.Exists(Python)) Assert.Fail($"{Python} is missing: apt-get install python3 {PythonAptPackages}");
        var imports = await ExternalProgram.RunAsync(Python, ["-c", "import grpc, grpc_tools, google.protobuf, numpy"], TimeSpan.FromMinutes(1));
        if (imports.ExitCode != 0)
            Assert.Fail($"{Python} lacks the client's packages: apt-get install {PythonAptPackages} (pip: grpcio grpcio-tools protobuf numpy)\n{imports.StdErr}");
        var stubs = await ExternalProgram.RunAsync(Python, ["generate_stubs.py"], TimeSpan.FromMinutes(1), PythonDir);
        Assert.True(stubs.ExitCode == 0, "generate_stubs.py failed:\n" + stubs.Output);
    }

    /// <summary>Finds node and checks that <c>npm ci</c> has installed the client's dependencies.</summary>
    public static string RequireNode()
    {
        var node = ExternalProgram.FindOnPath("node");
        if (node is null) Assert.Fail("node is not on PATH: apt-get install nodejs npm");
        foreach (var package in new[] { "grpc-js", "proto-loader" })
        {
            if (!File.Exists(Path.Combine(NodeDir, "node_modules", "@grpc", package, "package.json")))
                Assert.Fail($"npm package @grpc/{package} is missing: run `npm ci` in {NodeDir} (CI's .ci/run does)");
        }
        return node!;
    }

    /// <summary>The address and import folder of <paramref name="server"/>, as the client suites read them.</summary>
    public static Dictionary<string, string> StoreEnvironment(ServerProcess server) => new()
    {
        ["EMBSTORE_ADDRESS"] = $"127.0.0.1:{server.Port}",
        ["EMBSTORE_IMPORT_DIR"] = server.ImportDir,
    };
}
