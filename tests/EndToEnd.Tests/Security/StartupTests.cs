using System.Text.Json;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Security;

/// <summary>What the server process says and does at start: the open default, the configuration file, refusals to start.</summary>
public class StartupTests
{
    [Fact]
    public async Task Default_LogsThatItIsOpen_AndTheConfigFileSetsLimits()
    {
        var config = WriteTemp("embstore.json", """{"CheckpointIntervalSeconds": 0, "Limits": {"MaxTokensPerRequest": 3}}""");
        await using var server = await ServerProcess.StartAsync(null, null, null, "--config", config);
        try
        {
            Assert.Contains(server.Output, l => l.Contains("open: no API keys, plain text"));
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            await client.CreateTableAsync("t", 4);
            await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            var e = await Assert.ThrowsAsync<RpcException>(() => client.ResolveAsync("v", ["a", "b", "c", "d"]));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("tokens per request: 4 > limit 3 (--max-tokens-per-request)", e.Status.Detail);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task NonLoopbackAddress_WithoutTlsAndKeys_RefusesToStart()
    {
        var result = await CliRunner.RunAsync("EmbeddingStore", "EmbeddingStore", ["--host", "0.0.0.0", "--in-memory"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--allow-insecure", result.StdErr);
    }

    [Fact]
    public async Task UnknownConfigKey_RefusesToStart_NamingIt()
    {
        var config = WriteTemp("embstore.json", """{"Port": 5191, "MemoryMB": 64, "CheckpointEvery": 5}""");
        var result = await CliRunner.RunAsync("EmbeddingStore", "EmbeddingStore", ["--config", config, "--in-memory"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'CheckpointEvery'", result.StdErr);
        Assert.DoesNotContain("'MemoryMB'", result.StdErr);
    }

    [Fact]
    public async Task InvalidKeyFile_RefusesToStart_NamingFileAndLine()
    {
        var keys = WriteTemp("keys.json", "{\"keys\": [\n  {\"name\": \"a\", \"sha256\": \"plain-key\", \"scopes\": [\"read\"]}\n]}");
        var result = await CliRunner.RunAsync("EmbeddingStore", "EmbeddingStore", ["--key-file", keys, "--in-memory"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{keys}, line 2", result.StdErr);
    }

    [Theory]
    [InlineData("EmbeddingStore", "EmbeddingStore")] // the server program's own command
    [InlineData("Cli", "embstore")] // the same, run by embstore as a child process
    public async Task KeysNew_PrintsAKeyAndAnEntryHoldingOnlyItsHash(string project, string assembly)
    {
        var result = await CliRunner.RunAsync(project, assembly, ["keys", "new", "--name", "serving", "--scope", "read", "--view", "mr-*"]);
        Assert.Equal(0, result.ExitCode);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var key = lines[0].Split(' ')[^1];
        using var entry = JsonDocument.Parse(lines[^1]);
        Assert.Equal(SecuredServerFixture.Hash(key), entry.RootElement.GetProperty("sha256").GetString());
        Assert.Equal("mr-*", entry.RootElement.GetProperty("views")[0].GetString());
        Assert.DoesNotContain(key, lines[^1]);
    }

    private static string WriteTemp(string name, string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("embstore-start-").FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
