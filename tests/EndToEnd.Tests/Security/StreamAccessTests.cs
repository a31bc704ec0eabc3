using System.Diagnostics;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Grpc.Core;

namespace EndToEnd.Tests.Security;

/// <summary>
/// Open streams against the real server process while its key file changes: a stream whose key is removed ends with
/// UNAUTHENTICATED, one whose key no longer covers it with PERMISSION_DENIED, soon after the server reloads the file;
/// streams the changed key still covers go on.
/// </summary>
[Collection(SecuredServerFixture.Collection)]
public class StreamAccessTests(SecuredServerFixture fixture)
{
    /// <summary>The server reads the file 200 ms after the last change; the streams must end within a second of that.</summary>
    private static readonly TimeSpan EndWithin = TimeSpan.FromSeconds(1.2);

    [Fact]
    public async Task Subscription_KeyRemovedFromTheKeyFile_EndsUnauthenticated()
    {
        var key = NewKey();
        await UseKeyFileAsync([("streamer", key, "\"scopes\": [\"read\"]")]);
        try
        {
            using var client = Client(key);
            await WaitUntilKeyWorksAsync(client);
            using var call = client.Rows.Subscribe(new SubscribeRequest { View = "team-a-model" });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

            var clock = Stopwatch.StartNew();
            await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText());
            var e = await EndOfStreamAsync(call.ResponseStream);
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.True(clock.Elapsed < EndWithin, $"the stream ended {clock.ElapsedMilliseconds} ms after the key file changed");
        }
        finally { await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText()); }
    }

    [Fact]
    public async Task Subscription_KeyNarrowedToOtherViews_EndsPermissionDenied_CoveredOneGoesOn()
    {
        var key = NewKey();
        await UseKeyFileAsync([("narrowed", key, "\"scopes\": [\"read\"], \"views\": [\"team-a-*\", \"team-b-*\"]")]);
        try
        {
            using var client = Client(key);
            await WaitUntilKeyWorksAsync(client);
            using var teamB = client.Rows.Subscribe(new SubscribeRequest { View = "team-b-model" });
            using var teamA = client.Rows.Subscribe(new SubscribeRequest { View = "team-a-model", Tokens = { "@user" } });
            Assert.True(await teamB.ResponseStream.MoveNext(CancellationToken.None));
            Assert.True(await teamA.ResponseStream.MoveNext(CancellationToken.None));

            var clock = Stopwatch.StartNew();
            await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText([("narrowed", key, "\"scopes\": [\"read\"], \"views\": [\"team-a-*\"]")]));
            var e = await EndOfStreamAsync(teamB.ResponseStream);
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Contains("team-b-model", e.Status.Detail);
            Assert.True(clock.Elapsed < EndWithin, $"the stream ended {clock.ElapsedMilliseconds} ms after the key file changed");

            // The stream the key still covers carries the next change.
            using var writer = fixture.Client("writer");
            var pushed = await writer.PushAsync("team-a-model", PushKind.Delta, fixture.TeamARows[..1], Enumerable.Repeat(0.25f, SecuredServerFixture.Dim).ToArray());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await teamA.ResponseStream.MoveNext(timeout.Token))
                if (teamA.ResponseStream.Current.Version >= pushed.Version && teamA.ResponseStream.Current.Tokens.Contains("@user")) break;
            Assert.Contains("@user", teamA.ResponseStream.Current.Tokens);
        }
        finally { await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText()); }
    }

    [Fact]
    public async Task Upload_KeyLosesTheAdminScope_EndsPermissionDenied_NoTable()
    {
        var key = NewKey();
        await UseKeyFileAsync([("uploader", key, "\"scopes\": [\"admin\"]")]);
        var table = "revoked-upload-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using var client = Client(key);
            await WaitUntilKeyWorksAsync(client);
            using var upload = client.Admin.UploadFile();
            await upload.RequestStream.WriteAsync(new UploadChunk { Header = new UploadHeader { Table = table, SourceName = table + ".txt" } });
            await fixture.Server.WaitForOutputAsync(l => l.Contains($"Import of {table}.txt into table {table} started"), TimeSpan.FromSeconds(30));

            var clock = Stopwatch.StartNew();
            await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText([("uploader", key, "\"scopes\": [\"read\"]")]));
            var e = await Assert.ThrowsAsync<RpcException>(() => upload.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Contains("admin scope", e.Status.Detail);
            Assert.True(clock.Elapsed < EndWithin, $"the upload ended {clock.ElapsedMilliseconds} ms after the key file changed");
        }
        finally { await File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText()); }
        using var admin = fixture.Client("admin");
        Assert.DoesNotContain(await admin.ListTablesAsync(), t => t.Name == table);
    }

    private static string NewKey() => "esk_" + Guid.NewGuid().ToString("N");

    private EmbeddingStoreClient Client(string key) =>
        new(fixture.Server.Address, new StoreCredentials(key, fixture.Certificates.CaFile)) { CallTimeout = TimeSpan.FromSeconds(30) };

    private Task UseKeyFileAsync(IEnumerable<(string Name, string Key, string Entry)> extra) =>
        File.WriteAllTextAsync(fixture.KeyFile, fixture.KeyFileText(extra));

    private static async Task WaitUntilKeyWorksAsync(EmbeddingStoreClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await client.ListViewsAsync();
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated) { await Task.Delay(100, timeout.Token); }
        }
    }

    /// <summary>Reads the stream until it fails, for at most 10 s; the failure.</summary>
    private static async Task<RpcException> EndOfStreamAsync<T>(IAsyncStreamReader<T> stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await stream.MoveNext(timeout.Token)) { }
        }
        catch (RpcException e) when (!timeout.IsCancellationRequested) { return e; }
        catch (Exception) when (timeout.IsCancellationRequested) { throw new Xunit.Sdk.XunitException("the stream went on for 10 s"); }
        throw new Xunit.Sdk.XunitException("the stream ended without an error");
    }
}
