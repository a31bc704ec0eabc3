using System.Globalization;
using System.Text;
using EmbeddingStore.Protos;
using EmbeddingStore.Server;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace EmbeddingStore.Tests.Server;

public class ServiceTests
{
    private static string Word2VecText(params (string Token, float[] Vector)[] rows)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{rows.Length} {rows[0].Vector.Length}\n"));
        foreach (var (token, vector) in rows)
            text.Append(token).Append(' ').AppendJoin(' ', vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        return text.ToString();
    }

    private static async Task<TableInfo> UploadAsync(TestServerHost host, string table, string content)
    {
        var path = Path.Combine(host.Root, table + ".txt");
        await File.WriteAllTextAsync(path, content);
        return await host.Client.UploadFileAsync(table, path);
    }

    private static async Task<StatusCode> CodeOf(Func<Task> call) => (await Assert.ThrowsAsync<RpcException>(call)).StatusCode;

    [Fact]
    public async Task UploadViewPullPush_SmallTable_EndToEndInMemory()
    {
        await using var host = await TestServerHost.StartAsync();
        var table = await UploadAsync(host, "g", Word2VecText(("good", [1, 2]), ("bad", [3, 4])));
        Assert.Equal(2, table.Rows);
        await host.Client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "g", Mode = TrainMode.FineTune, UnknownPolicy = UnknownPolicy.Create });
        var ids = await host.Client.ResolveAsync("v", ["bad", "@user"]);
        var push = await host.Client.PushAsync("v", PushKind.Assign, ids, new float[] { 9, 8, 7, 6 });
        Assert.Equal(2, push.Applied);
        var (vectors, dim, meta) = await host.Client.PullAsync("v", ids);
        Assert.Equal(2, dim);
        Assert.Equal([9f, 8f, 7f, 6f], vectors);
        Assert.Equal(RowOrigin.Copy, meta[0].Origin);

        var exported = new MemoryStream();
        await host.Client.ExportAsync("v", exported, VectorFormat.Word2VecText);
        var text = Encoding.UTF8.GetString(exported.ToArray());
        Assert.StartsWith("3 2\n", text);
        Assert.Contains("bad 9 8\n", text);
    }

    [Fact]
    public async Task PushAndRead_GradientsThroughAFineTuneView_ReturnsTheRowsAPullThenReads()
    {
        await using var host = await TestServerHost.StartAsync();
        await UploadAsync(host, "g", Word2VecText(("good", [1, 2]), ("bad", [3, 4])));
        await host.Client.CreateViewAsync(new CreateViewRequest
        {
            Name = "v",
            Table = "g",
            Mode = TrainMode.FineTune,
            UnknownPolicy = UnknownPolicy.Create,
            Optimizer = new OptimizerConfig { Kind = OptimizerKind.Adadelta },
        });
        var ids = await host.Client.ResolveAsync("v", ["bad", "good", "bad"]);
        var after = new float[ids.Length * 2];
        var push = await host.Client.PushAndReadAsync("v", PushKind.Gradient, ids, new float[] { 1, -1, 2, 2, 1, -1 }, after);

        Assert.Equal(2, push.Applied);
        Assert.Equal(2, push.Dim);
        var (pulled, _, _) = await host.Client.PullAsync("v", ids);
        Assert.Equal(pulled, after);
        Assert.NotEqual(3f, after[0]);
        // Without return_rows the response carries no rows.
        var plain = await host.Client.PushAsync("v", PushKind.Gradient, ids[..1], new float[] { 1, 1 });
        Assert.Equal(0, plain.Dim);
        Assert.True(plain.Vectors.IsEmpty);
    }

    [Fact]
    public async Task Errors_EachKind_MapsToItsStatusCode()
    {
        await using var host = await TestServerHost.StartAsync();
        await UploadAsync(host, "g", Word2VecText(("good", [1, 2])));
        await host.Client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "g", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Fail });
        var good = (await host.Client.ResolveAsync("v", ["good"]))[0];

        Assert.Equal(StatusCode.NotFound, await CodeOf(() => host.Client.DescribeViewAsync("nope")));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => host.Client.ResolveAsync("v", ["unknownword"])));
        Assert.Equal(StatusCode.AlreadyExists, await CodeOf(() => host.Client.CreateTableAsync("g", 2)));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.CreateTableAsync("bad name!", 2)));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.PushAsync("v", PushKind.Delta, new[] { good }, new float[] { 1 })));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.PushAsync("v", PushKind.Delta, new[] { good }, new[] { 1, float.NaN })));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(() => host.Client.PushAsync("v", PushKind.Unspecified, new[] { good }, new float[] { 1, 1 })));
        Assert.Equal(StatusCode.FailedPrecondition, await CodeOf(() => host.Client.PushAsync("v", PushKind.Delta, new[] { good }, new float[] { 1, 1 })));
        Assert.Equal(StatusCode.FailedPrecondition, await CodeOf(() => host.Client.DeleteTableAsync("g")));
        var malformed = await CodeOf(() => UploadAsync(host, "broken", "2 2\na 1 2\nb 1\n"));
        Assert.Equal(StatusCode.InvalidArgument, malformed);
        Assert.DoesNotContain((await host.Client.ListTablesAsync()), t => t.Name == "broken");
    }

    [Fact]
    public async Task ImportFile_PathsOutsideImportFolder_PermissionDenied()
    {
        await using var host = await TestServerHost.StartAsync();
        var outside = Path.Combine(host.Root, "outside.txt");
        await File.WriteAllTextAsync(outside, Word2VecText(("a", [1f])));
        File.CreateSymbolicLink(Path.Combine(host.ImportDir, "link.txt"), outside);
        Directory.CreateSymbolicLink(Path.Combine(host.ImportDir, "dirlink"), host.Root);

        foreach (var path in new[] { "../outside.txt", outside, "link.txt", "dirlink/outside.txt" })
            Assert.Equal(StatusCode.PermissionDenied, await CodeOf(() => host.Client.ImportFileAsync("t", path)));
        Assert.Equal(StatusCode.NotFound, await CodeOf(() => host.Client.ImportFileAsync("t", "missing.txt")));
        Assert.Empty(await host.Client.ListTablesAsync());
    }

    [Fact]
    public async Task ImportFile_InsideImportFolder_ProgressThenFinalMessage()
    {
        await using var host = await TestServerHost.StartAsync();
        var rows = Enumerable.Range(0, 2000).Select(i => ($"w{i}", new[] { i * 1f, 1f, 2f })).ToArray();
        await File.WriteAllTextAsync(Path.Combine(host.ImportDir, "v.txt"), Word2VecText(rows));
        var updates = new List<ImportProgress>();
        var table = await host.Client.ImportFileAsync("t", "v.txt", VectorFormat.Auto, new SyncProgress(updates.Add));
        Assert.Equal(2000, table.Rows);
        Assert.True(updates[^1].Done);
        Assert.Equal(2000, updates[^1].RowsDone);
    }

    [Fact]
    public async Task Health_AfterOpen_Serving_AndReflectionListsServices()
    {
        await using var host = await TestServerHost.StartAsync();
        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        using var call = new ServerReflection.ServerReflectionClient(host.Channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(default));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("embstore.v1.Admin", services);
        Assert.Contains("embstore.v1.Rows", services);
    }

    [Fact]
    public async Task BeforeStoreIsOpen_CallsUnavailableAndHealthNotServing()
    {
        var release = new TaskCompletionSource();
        await using var host = await TestServerHost.StartAsync(open => async cancellationToken =>
        {
            await release.Task;
            return await open(cancellationToken);
        });
        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
        Assert.Equal(StatusCode.Unavailable, await CodeOf(() => host.Client.ListTablesAsync()));
        release.SetResult();
        await host.Client.WaitForServingAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(await host.Client.ListTablesAsync());
    }

    private sealed class SyncProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
