using EmbeddingStore.Server;

namespace EmbeddingStore.Tests.Security;

public class ServerConfigTests
{
    [Fact]
    public void ConfigFile_FillsOptions_FlagsOverrideIt()
    {
        var path = Write("""
            {"Port": 6000, "Host": "127.0.0.1", "DataDir": "data", "KeyFile": "keys.json", "MemoryMb": 64,
             "Limits": {"MaxTokensPerRequest": 500, "MaxConcurrentImports": 1}}
            """);
        var options = ServerCommandLine.ParseOptions(["--config", path, "--port", "7000", "--max-concurrent-imports", "3"]);
        Assert.Equal(7000, options.Port);
        Assert.Equal(64, options.MemoryMb);
        Assert.Equal(500, options.Limits.MaxTokensPerRequest);
        Assert.Equal(3, options.Limits.MaxConcurrentImports);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(path)!, "keys.json"), options.KeyFile);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(path)!, "data"), options.DataDir);
    }

    [Fact]
    public void NoConfigFile_Defaults()
    {
        var options = ServerCommandLine.ParseOptions([]);
        Assert.Equal(new ServerOptions(), options);
    }

    [Fact]
    public void UnknownKey_RefusedNamingIt()
    {
        var path = Write("""{"Port": 6000, "Limits": {"MaxTokens": 5}}""");
        var e = Assert.Throws<InvalidDataException>(() => ServerCommandLine.ParseOptions(["--config", path]));
        Assert.Contains("'Limits:MaxTokens'", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void WrongType_RefusedNamingTheKey()
    {
        var e = Assert.Throws<InvalidDataException>(() => ServerCommandLine.ParseOptions(["--config", Write("""{"Port": "many"}""")]));
        Assert.Contains("Port", e.Message);
    }

    [Fact]
    public void ExampleDeployFile_Loads()
    {
        var example = Path.Combine(RepoRoot(), "deploy", "embstore.json");
        var options = ServerConfigFile.Load(example);
        Assert.NotNull(options.KeyFile);
        Assert.True(options.UsesTls);
    }

    [Theory]
    [InlineData("0.0.0.0", false, false, false, true)]
    [InlineData("0.0.0.0", true, false, false, true)]
    [InlineData("0.0.0.0", true, true, false, false)]
    [InlineData("0.0.0.0", false, false, true, false)]
    [InlineData("127.0.0.1", false, false, false, false)]
    public void NonLoopback_NeedsTlsAndKeys_OrAllowInsecure(string host, bool tls, bool keys, bool allowInsecure, bool refused)
    {
        var options = new ServerOptions
        {
            Host = host,
            TlsCert = tls ? "c.pem" : null,
            TlsKey = tls ? "k.pem" : null,
            KeyFile = keys ? "keys.json" : null,
            AllowInsecure = allowInsecure,
        };
        Assert.Equal(refused, options.Problem()?.Contains("--allow-insecure") ?? false);
    }

    [Theory]
    [InlineData(8, 60, 100, "--memory-mb 8")]
    [InlineData(-1, 60, 100, "--memory-mb -1")]
    [InlineData(512, -5, 100, "--checkpoint-interval -5")]
    [InlineData(512, 60, 0, "--wal-flush-ms 0")]
    public void NumbersOutOfRange_RefusedWithTheFlagAndValue(int memoryMb, int checkpointSeconds, int walFlushMs, string named)
    {
        var options = new ServerOptions { MemoryMb = memoryMb, CheckpointIntervalSeconds = checkpointSeconds, WalFlushMs = walFlushMs };
        Assert.StartsWith(named, options.Problem());
        Assert.Null((options with { MemoryMb = 16, CheckpointIntervalSeconds = 0, WalFlushMs = 1 }).Problem());
    }

    [Fact]
    public void CertificateWithoutKey_Refused() =>
        Assert.Contains("both --tls-cert and --tls-key", new ServerOptions { TlsCert = "c.pem" }.Problem());

    [Fact]
    public void ConnectionLimits_FromFlagsAndFile_WithDefaults()
    {
        Assert.Equal((256, 100), (new StoreLimits().MaxConnections, new StoreLimits().MaxStreamsPerConnection));
        var flags = ServerCommandLine.ParseOptions(["--max-connections", "8", "--max-streams-per-connection", "4"]);
        Assert.Equal((8, 4), (flags.Limits.MaxConnections, flags.Limits.MaxStreamsPerConnection));
        var file = ServerCommandLine.ParseOptions(["--config", Write("""{"Limits": {"MaxConnections": 9, "MaxStreamsPerConnection": 3}}""")]);
        Assert.Equal((9, 3), (file.Limits.MaxConnections, file.Limits.MaxStreamsPerConnection));
        Assert.Contains(ServerCommandLine.Build().Parse(["--max-streams-per-connection", "0"]).Errors,
            e => e.Message.Contains("--max-streams-per-connection must be positive"));
    }

    [Fact]
    public void NonPositiveLimit_RefusedByTheParser() =>
        Assert.Contains(ServerCommandLine.Build().Parse(["--max-dim", "0"]).Errors, e => e.Message.Contains("--max-dim must be positive"));

    private static string Write(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("embstore-config-").FullName, "embstore.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EmbeddingStore.sln"))) return dir.FullName;
        throw new InvalidOperationException("no EmbeddingStore.sln above " + AppContext.BaseDirectory);
    }
}
