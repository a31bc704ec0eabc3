using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Security;

/// <summary>TLS and API keys against the real server process: every refusal, and that a refused call changed nothing.</summary>
[Collection(SecuredServerFixture.Collection)]
public class AccessTests(SecuredServerFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task TlsCall_WithTheCaCertificate_Succeeds()
    {
        using var reader = fixture.Client("reader");
        Assert.StartsWith("https://", Server.Address);
        Assert.Contains(await reader.ListTablesAsync(), t => t.Name == "base");
    }

    [Fact]
    public async Task PlainTextCall_OnTheTlsPort_Refused()
    {
        using var plain = new EmbeddingStoreClient($"http://127.0.0.1:{Server.Port}", new StoreCredentials(fixture.Key("admin")))
        {
            CallTimeout = TimeSpan.FromSeconds(30),
        };
        var e = await Assert.ThrowsAsync<RpcException>(() => plain.ListTablesAsync());
        Assert.NotEqual(StatusCode.OK, e.StatusCode);
    }

    [Fact]
    public async Task TlsCall_WithoutTrustingTheCa_Refused()
    {
        using var untrusting = new EmbeddingStoreClient(Server.Address, new StoreCredentials(fixture.Key("admin"))) { CallTimeout = TimeSpan.FromSeconds(30) };
        var e = await Assert.ThrowsAsync<RpcException>(() => untrusting.ListTablesAsync());
        Assert.Contains("SSL", e.Status.Detail + e.Status.DebugException?.Message);
    }

    [Fact]
    public async Task NoKey_Unauthenticated_SameAnswerForExistingAndMissingTable()
    {
        using var anonymous = fixture.Client(null);
        var existing = await Assert.ThrowsAsync<RpcException>(() => anonymous.DescribeTableAsync("base"));
        var missing = await Assert.ThrowsAsync<RpcException>(() => anonymous.DescribeTableAsync("no-such-table"));
        Assert.Equal(StatusCode.Unauthenticated, existing.StatusCode);
        Assert.Equal(existing.Status, missing.Status);
    }

    [Fact]
    public async Task WrongKey_Unauthenticated_SameAnswerForExistingAndMissingView()
    {
        using var wrong = new EmbeddingStoreClient(Server.Address, new StoreCredentials("esk_not-a-key", fixture.Certificates.CaFile));
        var existing = await Assert.ThrowsAsync<RpcException>(() => wrong.PullAsync("team-a-model", fixture.TeamARows));
        var missing = await Assert.ThrowsAsync<RpcException>(() => wrong.PullAsync("no-such-view", fixture.TeamARows));
        Assert.Equal(StatusCode.Unauthenticated, existing.StatusCode);
        Assert.Equal(existing.Status, missing.Status);
    }

    [Fact]
    public async Task HealthAndTheServingWait_NeedNoKey()
    {
        using var anonymous = fixture.Client(null);
        await anonymous.WaitForServingAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ReadKey_Push_PermissionDenied_RowsUnchanged()
    {
        using var reader = fixture.Client("reader");
        var before = (await reader.PullAsync("team-a-model", fixture.TeamARows)).Vectors;
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            reader.PushAsync("team-a-model", PushKind.Delta, fixture.TeamARows, Enumerable.Repeat(1f, 2 * SecuredServerFixture.Dim).ToArray()));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("write scope", e.Status.Detail);
        Assert.Equal(before, (await reader.PullAsync("team-a-model", fixture.TeamARows)).Vectors);
    }

    [Fact]
    public async Task ReadKey_CreatingRows_PermissionDenied_NothingCreated()
    {
        using var reader = fixture.Client("reader");
        var explicitCreate = await Assert.ThrowsAsync<RpcException>(() => reader.ResolveAsync("team-a-model", ["brand-new"], UnknownPolicy.Create));
        // The view's default policy is CREATE, so a pull by token that leaves the policy to the view may create rows too.
        var byDefault = await Assert.ThrowsAsync<RpcException>(() => reader.PullTokensAsync("team-a-model", ["brand-new"]));
        Assert.Equal(StatusCode.PermissionDenied, explicitCreate.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, byDefault.StatusCode);
        var view = await reader.DescribeViewAsync("team-a-model");
        Assert.Equal(fixture.TeamARows.Length, view.OwnRows);
        var known = await reader.ResolveAsync("team-a-model", ["@user"], UnknownPolicy.Fail);
        Assert.Equal(fixture.TeamARows[0], known[0]);
    }

    [Fact]
    public async Task ReadKey_UnkPolicyWithoutAnUnkRowYet_PermissionDenied_NothingCreated()
    {
        var view = "unk-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = fixture.Client("admin");
        await admin.CreateViewAsync(new CreateViewRequest { Name = view, Table = "base", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Unk });
        try
        {
            using var reader = fixture.Client("reader");
            // The view's default policy is UNK, and its <unk> row does not exist yet: mapping a token to it would create it.
            var byDefault = await Assert.ThrowsAsync<RpcException>(() => reader.PullTokensAsync(view, ["never-seen"]));
            var explicitUnk = await Assert.ThrowsAsync<RpcException>(() => reader.ResolveAsync(view, ["never-seen"], UnknownPolicy.Unk));
            Assert.Equal(StatusCode.PermissionDenied, byDefault.StatusCode);
            Assert.Equal(StatusCode.PermissionDenied, explicitUnk.StatusCode);
            Assert.Contains("write scope", explicitUnk.Status.Detail);
            Assert.Equal(0, (await reader.DescribeViewAsync(view)).OwnRows);
            Assert.Equal(StatusCode.NotFound,
                (await Assert.ThrowsAsync<RpcException>(() => reader.ResolveAsync(view, ["<unk>"], UnknownPolicy.Fail))).StatusCode);

            // Once a writer has created it, the UNK policy only reads it, and a read key may use it.
            using var writer = fixture.Client("writer");
            var unk = (await writer.ResolveAsync(view, ["first-unknown"], UnknownPolicy.Unk))[0];
            Assert.Equal(unk, (await reader.ResolveAsync(view, ["never-seen"], UnknownPolicy.Unk))[0]);
            Assert.Equal(unk, (await reader.PullTokensAsync(view, ["never-seen"])).Meta[0].Id);
            Assert.Equal(1, (await reader.DescribeViewAsync(view)).OwnRows);
        }
        finally { await admin.DeleteViewAsync(view); }
    }

    [Fact]
    public async Task KeyLimitedToTeamA_PushToTeamB_PermissionDenied_SameAnswerForMissingView()
    {
        using var teamA = fixture.Client("team-a");
        var values = Enumerable.Repeat(0.5f, SecuredServerFixture.Dim).ToArray();
        var applied = await teamA.PushAsync("team-a-model", PushKind.Delta, fixture.TeamARows[..1], values);
        Assert.Equal(1, applied.Applied);
        var existing = await Assert.ThrowsAsync<RpcException>(() => teamA.PushAsync("team-b-model", PushKind.Delta, fixture.TeamARows[..1], values));
        var missing = await Assert.ThrowsAsync<RpcException>(() => teamA.PushAsync("team-b-missing", PushKind.Delta, fixture.TeamARows[..1], values));
        Assert.Equal(StatusCode.PermissionDenied, existing.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, missing.StatusCode);
        Assert.Equal(existing.Status.Detail.Replace("team-b-model", "X"), missing.Status.Detail.Replace("team-b-missing", "X"));
        var readOther = await Assert.ThrowsAsync<RpcException>(() => teamA.PullAsync("team-b-model", fixture.TeamARows));
        Assert.Equal(StatusCode.PermissionDenied, readOther.StatusCode);
        // A pull by token may need write (the view's default policy is CREATE); that must not tell views apart either.
        var tokensExisting = await Assert.ThrowsAsync<RpcException>(() => teamA.PullTokensAsync("team-b-model", ["x"]));
        var tokensMissing = await Assert.ThrowsAsync<RpcException>(() => teamA.PullTokensAsync("team-b-missing", ["x"]));
        Assert.Equal(tokensExisting.Status.Detail.Replace("team-b-model", "X"), tokensMissing.Status.Detail.Replace("team-b-missing", "X"));
    }

    [Fact]
    public async Task NonAdmin_CreateViewOrDeleteTable_PermissionDenied_NothingChanged()
    {
        using var writer = fixture.Client("writer");
        var views = (await writer.ListViewsAsync()).Select(v => v.Name).Order().ToList();
        var create = await Assert.ThrowsAsync<RpcException>(() =>
            writer.CreateViewAsync(new CreateViewRequest { Name = "sneaky", Table = "base", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create }));
        Assert.Equal(StatusCode.PermissionDenied, create.StatusCode);
        Assert.Contains("admin scope", create.Status.Detail);
        var deleteExisting = await Assert.ThrowsAsync<RpcException>(() => writer.DeleteTableAsync("base"));
        var deleteMissing = await Assert.ThrowsAsync<RpcException>(() => writer.DeleteTableAsync("no-such-table"));
        Assert.Equal(StatusCode.PermissionDenied, deleteExisting.StatusCode);
        Assert.Equal(deleteExisting.Status, deleteMissing.Status);
        Assert.Equal(views, (await writer.ListViewsAsync()).Select(v => v.Name).Order().ToList());
        Assert.Contains(await writer.ListTablesAsync(), t => t.Name == "base");
    }

    [Fact]
    public async Task KeyLimitedToTeamA_ListsOnlyWhatItsViewsReach_HiddenTableReadsAsMissing()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var hiddenTable = "hidden-" + suffix;
        using var admin = fixture.Client("admin");
        await admin.CreateTableAsync(hiddenTable, SecuredServerFixture.Dim);
        await admin.CreateViewAsync(new CreateViewRequest { Name = "team-b-" + suffix, Table = hiddenTable, Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Fail });
        await admin.CreateViewAsync(new CreateViewRequest { Name = "team-b-over-base-" + suffix, Table = "base", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Fail });
        try
        {
            using var teamA = fixture.Client("team-a");
            Assert.All(await teamA.ListViewsAsync(), v => Assert.StartsWith("team-a-", v.Name));
            Assert.Contains(await teamA.ListViewsAsync(), v => v.Name == "team-a-model");
            Assert.All(await teamA.ListViewsAsync("base"), v => Assert.StartsWith("team-a-", v.Name));
            // "base" is read through team-a-model; the other table is reached by no view of team A's.
            var tables = await teamA.ListTablesAsync();
            Assert.Equal(["base"], tables.Select(t => t.Name));
            Assert.Equal(["team-a-model"], tables[0].Views);
            Assert.Equal(["team-a-model"], (await teamA.DescribeTableAsync("base")).Views);
            var hidden = await Assert.ThrowsAsync<RpcException>(() => teamA.DescribeTableAsync(hiddenTable));
            var missing = await Assert.ThrowsAsync<RpcException>(() => teamA.DescribeTableAsync("no-such-table"));
            Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
            Assert.Equal(hidden.Status.Detail.Replace(hiddenTable, "X"), missing.Status.Detail.Replace("no-such-table", "X"));
            var hiddenViews = await Assert.ThrowsAsync<RpcException>(() => teamA.ListViewsAsync(hiddenTable));
            Assert.Equal(StatusCode.NotFound, hiddenViews.StatusCode);

            // Keys without view patterns, and admin keys, see everything.
            using var reader = fixture.Client("reader");
            Assert.Contains(await reader.ListTablesAsync(), t => t.Name == hiddenTable);
            Assert.Contains("team-b-over-base-" + suffix, (await reader.DescribeTableAsync("base")).Views);
            Assert.Contains(await admin.ListViewsAsync(), v => v.Name == "team-b-" + suffix);
        }
        finally
        {
            await admin.DeleteViewAsync("team-b-" + suffix);
            await admin.DeleteViewAsync("team-b-over-base-" + suffix);
            await admin.DeleteTableAsync(hiddenTable);
        }
    }

    [Fact]
    public async Task Cli_WithKeyAndCaCertificate_Works_WithoutKey_Unauthenticated()
    {
        var ok = await CliRunner.EmbstoreAsync(Server.Address, "--api-key", fixture.Key("reader"), "--ca-cert", fixture.Certificates.CaFile, "tables");
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("base", ok.StdOut);
        var fromEnvironment = await CliRunner.RunAsync("Cli", "embstore", ["--address", Server.Address, "--ca-cert", fixture.Certificates.CaFile, "tables"],
            environment: new Dictionary<string, string> { ["EMBSTORE_API_KEY"] = fixture.Key("reader") });
        Assert.Equal(0, fromEnvironment.ExitCode);
        var refused = await CliRunner.EmbstoreAsync(Server.Address, "--ca-cert", fixture.Certificates.CaFile, "tables");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Unauthenticated", refused.StdErr);
    }

    [Fact]
    public async Task KeyFileChanged_NewKeyWorks_BadFileKeepsThePreviousKeys()
    {
        var newKey = "esk_" + Guid.NewGuid().ToString("N");
        using var newcomer = new EmbeddingStoreClient(Server.Address, new StoreCredentials(newKey, fixture.Certificates.CaFile));
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => newcomer.ListTablesAsync())).StatusCode);
        try
        {
            await File.WriteAllTextAsync(fixture.KeyFile, "{\"keys\": [\n  {\"name\": \"x\", \"sha256\": \"00\"}\n]}\n");
            var rejected = await Server.WaitForOutputAsync(l => l.Contains("API key file rejected") && l.Contains(fixture.KeyFile), TimeSpan.FromSeconds(30));
            Assert.Contains("line 2", rejected);
            using (var admin = fixture.Client("admin")) await admin.ListTablesAsync();

            await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText(new Dictionary<string, string> { ["newcomer"] = newKey }));
            await PollUntilAsync(async () =>
            {
                try { return (await newcomer.ListTablesAsync()).Count > 0; }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated) { return false; }
            });
        }
        finally { await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText()); }
        await PollUntilAsync(async () =>
        {
            try { await newcomer.ListTablesAsync(); return false; }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated) { return true; }
        });
    }

    private static async Task PollUntilAsync(Func<Task<bool>> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await done()) await Task.Delay(100, timeout.Token);
    }
}
