using EmbeddingStore.Protos;
using Grpc.Core;

namespace EndToEnd.Tests.Security;

/// <summary>
/// Each request limit and the import folder's confinement against the real server process: the status code, a
/// message naming the limit and its flag, and nothing changed by the refused request.
/// </summary>
[Collection(SecuredServerFixture.Collection)]
public class LimitTests(SecuredServerFixture fixture)
{
    private const int Dim = SecuredServerFixture.Dim;

    [Fact]
    public async Task TooManyTokens_InvalidArgument_NamingTheLimit()
    {
        using var writer = fixture.Client("writer");
        var tokens = Enumerable.Range(0, SecuredServerFixture.MaxTokens + 1).Select(i => $"t{i}").ToList();
        var e = await Assert.ThrowsAsync<RpcException>(() => writer.ResolveAsync("team-a-model", tokens, UnknownPolicy.Create));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal($"tokens per request: {tokens.Count} > limit {SecuredServerFixture.MaxTokens} (--max-tokens-per-request)", e.Status.Detail);
        Assert.Equal(fixture.TeamARows.Length, (await writer.DescribeViewAsync("team-a-model")).OwnRows);
    }

    [Fact]
    public async Task TokenTooLong_InvalidArgument_NamingTheLimit()
    {
        using var writer = fixture.Client("writer");
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            writer.ResolveAsync("team-a-model", ["ok", new string('x', SecuredServerFixture.MaxTokenLength + 1)], UnknownPolicy.Create));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains($"token length: {SecuredServerFixture.MaxTokenLength + 1} > limit {SecuredServerFixture.MaxTokenLength} (--max-token-length)", e.Status.Detail);
        Assert.Equal(fixture.TeamARows.Length, (await writer.DescribeViewAsync("team-a-model")).OwnRows);
    }

    [Fact]
    public async Task TooManyRows_InvalidArgument_NamingTheLimit()
    {
        using var reader = fixture.Client("reader");
        var ids = Enumerable.Repeat(fixture.TeamARows[0], SecuredServerFixture.MaxRows + 1).ToArray();
        var e = await Assert.ThrowsAsync<RpcException>(() => reader.PullAsync("team-a-model", ids));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("(--max-rows-per-request)", e.Status.Detail);
    }

    [Fact]
    public async Task TooManyFloatsInAPush_InvalidArgument_RowsUnchanged()
    {
        using var writer = fixture.Client("writer");
        var before = (await writer.PullAsync("team-a-model", fixture.TeamARows)).Vectors;
        var rows = SecuredServerFixture.MaxFloats / Dim + 1;
        var ids = Enumerable.Repeat(fixture.TeamARows[0], rows).ToArray();
        var e = await Assert.ThrowsAsync<RpcException>(() => writer.PushAsync("team-a-model", PushKind.Delta, ids, Enumerable.Repeat(1f, rows * Dim).ToArray()));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal($"floats per request: {rows * Dim} > limit {SecuredServerFixture.MaxFloats} (--max-floats-per-request)", e.Status.Detail);
        Assert.Equal(before, (await writer.PullAsync("team-a-model", fixture.TeamARows)).Vectors);
    }

    [Fact]
    public async Task DimensionOverTheLimit_InvalidArgument_NoTable()
    {
        using var admin = fixture.Client("admin");
        var e = await Assert.ThrowsAsync<RpcException>(() => admin.CreateTableAsync("too-wide", SecuredServerFixture.MaxDim + 1));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("(--max-dim)", e.Status.Detail);
        Assert.DoesNotContain(await admin.ListTablesAsync(), t => t.Name == "too-wide");
    }

    [Fact]
    public async Task MessageOverTheLimit_ResourceExhausted_RowsUnchanged()
    {
        using var writer = fixture.Client("writer");
        var before = (await writer.PullAsync("team-a-model", fixture.TeamARows)).Vectors;
        var floats = SecuredServerFixture.MaxMessageBytes / sizeof(float) + Dim;
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            writer.PushAsync("team-a-model", PushKind.Delta, fixture.TeamARows[..1], new float[floats - floats % Dim]));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal(before, (await writer.PullAsync("team-a-model", fixture.TeamARows)).Vectors);
    }

    [Fact]
    public async Task MessageOverTheLimit_UnknownKeyOrTooNarrowScope_RefusedBeforeTheMessageIsRead()
    {
        // gRPC refuses a message over --max-message-bytes while reading it (RESOURCE_EXHAUSTED): a refusal of the key
        // or of its scope instead shows that the server decided before reading the message.
        var floats = SecuredServerFixture.MaxMessageBytes / sizeof(float) + Dim;
        var values = new float[floats - floats % Dim];
        using var wrong = new EmbeddingStore.Client.EmbeddingStoreClient(fixture.Server.Address,
            new EmbeddingStore.Client.StoreCredentials("esk_not-a-key", fixture.Certificates.CaFile));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => wrong.PushAsync("team-a-model", PushKind.Delta, fixture.TeamARows[..1], values));
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        using var anonymous = fixture.Client(null);
        var none = await Assert.ThrowsAsync<RpcException>(() => anonymous.PushAsync("team-a-model", PushKind.Delta, fixture.TeamARows[..1], values));
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        using var reader = fixture.Client("reader");
        var readOnly = await Assert.ThrowsAsync<RpcException>(() => reader.PushAsync("team-a-model", PushKind.Delta, fixture.TeamARows[..1], values));
        Assert.Equal(StatusCode.PermissionDenied, readOnly.StatusCode);
        Assert.Contains("write scope", readOnly.Status.Detail);
    }

    [Fact]
    public async Task SecondImportWhileOneRuns_ResourceExhausted_NamingTheLimit()
    {
        using var admin = fixture.Client("admin");
        using (var held = admin.Admin.UploadFile())
        {
            await held.RequestStream.WriteAsync(new UploadChunk { Header = new UploadHeader { Table = "held", SourceName = "held.bin" } });
            await fixture.Server.WaitForOutputAsync(l => l.Contains("Import of held.bin into table held started"), TimeSpan.FromSeconds(30));
            var e = await Assert.ThrowsAsync<RpcException>(() => admin.UploadFileAsync("second", WriteVectors()));
            Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
            Assert.Contains("(--max-concurrent-imports)", e.Status.Detail);
        }
        // Once the held upload is gone its slot is free again.
        var path = WriteVectors();
        TableInfo? table = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (table is null)
        {
            try { table = await admin.UploadFileAsync("after-held", path); }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted) { await Task.Delay(100, timeout.Token); }
        }
        Assert.Equal(2, table.Rows);
        Assert.DoesNotContain(await admin.ListTablesAsync(), t => t.Name is "held" or "second");
    }

    [Theory]
    [InlineData("../../keys.json")]
    [InlineData("/etc/hostname")]
    public async Task ImportPathOutsideTheImportFolder_PermissionDenied(string path)
    {
        using var admin = fixture.Client("admin");
        var e = await Assert.ThrowsAsync<RpcException>(() => admin.ImportFileAsync("escaped", path));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.DoesNotContain(await admin.ListTablesAsync(), t => t.Name == "escaped");
    }

    [Fact]
    public async Task ImportThroughASymbolicLinkLeavingTheFolder_PermissionDenied()
    {
        var link = Path.Combine(fixture.Server.ImportDir, "link-" + Guid.NewGuid().ToString("N") + ".txt");
        File.CreateSymbolicLink(link, WriteVectors());
        using var admin = fixture.Client("admin");
        var e = await Assert.ThrowsAsync<RpcException>(() => admin.ImportFileAsync("linked", Path.GetFileName(link)));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("outside the import folder", e.Status.Detail);
    }

    [Fact]
    public async Task ImportThroughAHardLinkToAFileOutsideTheFolder_PermissionDenied()
    {
        var outside = WriteVectors();
        var link = Path.Combine(fixture.Server.ImportDir, "hard-" + Guid.NewGuid().ToString("N") + ".txt");
        var ln = await EndToEnd.Tests.Infrastructure.ExternalProgram.RunAsync("ln", [outside, link], TimeSpan.FromSeconds(10));
        Assert.True(ln.ExitCode == 0, ln.Output);
        using var admin = fixture.Client("admin");
        var e = await Assert.ThrowsAsync<RpcException>(() => admin.ImportFileAsync("hard-linked", Path.GetFileName(link)));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("link", e.Status.Detail);
        Assert.DoesNotContain(await admin.ListTablesAsync(), t => t.Name == "hard-linked");
    }

    [Fact]
    public async Task ImportOfAnOrdinaryFileInTheFolder_Works()
    {
        var name = "plain-" + Guid.NewGuid().ToString("N")[..8];
        File.Copy(WriteVectors(), Path.Combine(fixture.Server.ImportDir, name + ".txt"));
        using var admin = fixture.Client("admin");
        var table = await admin.ImportFileAsync(name, name + ".txt");
        Assert.Equal(2, table.Rows);
        await admin.DeleteTableAsync(name);
    }

    /// <summary>A two-row word2vec text file outside the import folder.</summary>
    private static string WriteVectors()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("embstore-vectors-").FullName, "v.txt");
        File.WriteAllText(path, "2 3\na 1 2 3\nb 4 5 6\n");
        return path;
    }
}
