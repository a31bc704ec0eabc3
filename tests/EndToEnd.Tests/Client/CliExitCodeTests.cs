using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Client;

/// <summary>The CLI's failure paths that need no server: usage errors, missing files, an address nobody listens on.</summary>
public class CliExitCodeTests
{
    private const string Nobody = "http://127.0.0.1:1";

    [Theory]
    [InlineData("view", "create", "v")]
    [InlineData("view", "create", "v", "--table", "t", "--parent", "p")]
    [InlineData("view", "create", "v", "--table", "t", "--mode", "frozen")]
    [InlineData("view", "create", "v", "--table", "t", "--init", "copy")]
    [InlineData("table", "create", "t")]
    [InlineData("no-such-command")]
    public async Task UsageError_ExitsWith2(params string[] args)
    {
        var result = await CliRunner.EmbstoreAsync(Nobody, args);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.StdErr);
    }

    [Fact]
    public async Task ImportOfMissingFile_ExitsWith1NamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"embstore-missing-{Guid.NewGuid():N}.bin");

        var result = await CliRunner.EmbstoreAsync(Nobody, "import", missing, "--table", "t");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: file not found: {missing}", result.StdErr);
    }

    [Fact]
    public async Task UnreachableServer_ExitsWith1WithStatusAndNoStackTrace()
    {
        var result = await CliRunner.EmbstoreAsync(Nobody, "tables");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: Unavailable: ", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }
}
