using System.Globalization;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Store;

/// <summary>
/// Inputs that once corrupted rows or wedged the catalog (issue 24, "Inputs that corrupt rows"), sent to the real
/// store process on 127.0.0.1: each is refused with INVALID_ARGUMENT naming the problem, and nothing is left behind.
/// </summary>
public class HostileInputProcessTests
{
    private const int Dim = 4;

    [Theory]
    [InlineData(OptimizerKind.Sgd, float.NaN, 0f, 0f, 0f, "learning_rate")]
    [InlineData(OptimizerKind.Sgd, -0.1f, 0f, 0f, 0f, "learning_rate")]
    [InlineData(OptimizerKind.Adagrad, float.PositiveInfinity, 0f, 0f, 0f, "learning_rate")]
    [InlineData(OptimizerKind.Adagrad, 0.1f, 0f, 0f, -1e-8f, "epsilon")]
    [InlineData(OptimizerKind.Adadelta, 1f, 1f, 0f, 0f, "rho")]
    [InlineData(OptimizerKind.Adadelta, 1f, float.NaN, 0f, 0f, "rho")]
    [InlineData(OptimizerKind.LazyAdam, 0.001f, 0.9f, 1.5f, 0f, "beta2")]
    [InlineData(OptimizerKind.LazyAdam, 0.001f, -0.5f, 0.999f, 0f, "rho")]
    public async Task CreateView_OptimizerOutOfRange_InvalidArgumentNamingTheField_NothingLeftBehind(
        OptimizerKind kind, float learningRate, float rho, float beta2, float epsilon, string field)
    {
        await WithStoreAsync(async (server, client) =>
        {
            var bad = new CreateViewRequest
            {
                Name = "bad",
                Table = "t",
                Mode = TrainMode.Overlay,
                UnknownPolicy = UnknownPolicy.Create,
                Optimizer = new OptimizerConfig { Kind = kind, LearningRate = learningRate, Rho = rho, Beta2 = beta2, Epsilon = epsilon },
            };
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.CreateViewAsync(bad));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains($"optimizer {field}", refused.Status.Detail);

            // Nothing of the refused view stays, and the catalog still takes changes (it once answered INTERNAL to
            // every later CreateView, CreateSnapshot and Checkpoint).
            Assert.DoesNotContain(await client.ListViewsAsync(), v => v.Name == "bad");
            await client.CreateViewAsync(new CreateViewRequest { Name = "good", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            await client.CreateSnapshotAsync("good", "good-snap");
            await client.CheckpointAsync();
            Assert.Equal(["good", "good-snap"], (await client.ListViewsAsync()).Select(v => v.Name).Order(StringComparer.Ordinal));
        });
    }

    public static TheoryData<OptimizerKind, PushKind, float> Overflows => new()
    {
        { OptimizerKind.Sgd, PushKind.Delta, 3e38f },            // 3e38 + 3e38 is infinite
        { OptimizerKind.Sgd, PushKind.Gradient, -3e38f },       // w - lr * g with lr 10
        { OptimizerKind.Adagrad, PushKind.Gradient, 1e20f },     // the state g^2 = 1e40 is infinite
        { OptimizerKind.Adadelta, PushKind.Gradient, 1e20f },    // E[g^2] overflows
        { OptimizerKind.LazyAdam, PushKind.Gradient, 1e22f },    // the second moment (1 - beta2) g^2 overflows
    };

    [Theory]
    [MemberData(nameof(Overflows))]
    public async Task Push_FiniteValuesWhoseResultIsNot_RefusedAndNoRowChanges(OptimizerKind optimizer, PushKind kind, float value)
    {
        await WithStoreAsync(async (server, client) =>
        {
            await client.CreateViewAsync(new CreateViewRequest
            {
                Name = "v",
                Table = "t",
                Mode = TrainMode.Overlay,
                UnknownPolicy = UnknownPolicy.Create,
                Optimizer = new OptimizerConfig { Kind = optimizer, LearningRate = optimizer == OptimizerKind.Sgd ? 10 : 0 },
            });
            var ids = await client.ResolveAsync("v", ["a", "b"], UnknownPolicy.Create);
            await client.PushAsync("v", PushKind.Assign, ids, Enumerable.Repeat(3e38f, 2 * Dim).ToArray());
            var (before, _, _) = await client.PullAsync("v", ids);

            // Row a gets a harmless update, row b the one that would overflow: neither may change.
            var values = new float[2 * Dim];
            values.AsSpan(0, Dim).Fill(-1f);
            values.AsSpan(Dim).Fill(value);
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.PushAsync("v", kind, ids, values, durability: Durability.Sync));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains($"row {ids[1]}", refused.Status.Detail);
            Assert.Contains("nothing applied", refused.Status.Detail);

            var (after, _, _) = await client.PullAsync("v", ids);
            Assert.Equal(before, after);
            Assert.All(after, v => Assert.True(float.IsFinite(v)));
            // A harmless push still works on the same rows afterwards.
            var pushed = await client.PushAsync("v", PushKind.Delta, ids, Enumerable.Repeat(-1e38f, 2 * Dim).ToArray());
            Assert.Equal(2, pushed.Applied);
        });
    }

    [Fact]
    public async Task Import_ValuesWhoseFloatSumOfSquaresOverflows_TableScaleAndNewRowsFinite()
    {
        await WithStoreAsync(async (server, client) =>
        {
            // 1e20 squared is 1e40, beyond float: the per-row float sum of squares overflowed and new rows were NaN.
            var path = WriteTextTable(server.ImportDir, "large.txt", 1e20f);
            var table = await client.ImportFileAsync("large", Path.GetFileName(path));
            Assert.True(float.IsFinite(table.VarianceMatchedA) && table.VarianceMatchedA > 1e19f, $"scale {table.VarianceMatchedA}");
            await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "large", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            var (vectors, _, _) = await client.PullTokensAsync("v", ["brand-new"], UnknownPolicy.Create);
            Assert.All(vectors, v => Assert.True(float.IsFinite(v), $"new row value {v}"));
            Assert.Contains(vectors, v => v != 0);
        }, createTable: false);
    }

    [Fact]
    public async Task Import_ValuesTooLargeForATableScale_RefusedNamingTheFile_NoTableLeft()
    {
        await WithStoreAsync(async (server, client) =>
        {
            var path = WriteTextTable(server.ImportDir, "huge.txt", 3e38f);
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.ImportFileAsync("huge", Path.GetFileName(path)));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("huge.txt", refused.Status.Detail);
            Assert.Contains("too large", refused.Status.Detail);
            Assert.DoesNotContain(await client.ListTablesAsync(), t => t.Name == "huge");
            // The name is free again.
            await client.CreateTableAsync("huge", Dim);
        }, createTable: false);
    }

    /// <summary>
    /// The token policy (protos/embedding_store.proto): tokens are compared as their exact UTF-8 bytes, never
    /// normalised, so "café" precomposed (NFC) and decomposed (NFD) are two rows, each read back as it was written.
    /// </summary>
    [Fact]
    public async Task Tokens_NfcAndNfdForms_TwoRowsEachKeepingItsBytes()
    {
        await WithStoreAsync(async (server, client) =>
        {
            await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            const string nfc = "caf\u00e9", nfd = "cafe\u0301";
            var ids = await client.ResolveAsync("v", [nfc, nfd], UnknownPolicy.Create);
            Assert.NotEqual(ids[0], ids[1]);
            Assert.Equal(ids, await client.ResolveAsync("v", [nfc, nfd], UnknownPolicy.Fail));
            // Both rows get one direction: each token's nearest neighbour is the other form, named by its own bytes.
            await client.PushAsync("v", PushKind.Assign, ids, new float[] { 0.3f, -0.7f, 0.1f, 0.5f, 0.3f, -0.7f, 0.1f, 0.5f });
            var fromNfc = (await client.NeighboursAsync("v", nfc, k: 1)).Neighbors[0];
            Assert.Equal((nfd, ids[1]), (fromNfc.Token, fromNfc.Id));
            var fromNfd = (await client.NeighboursAsync("v", nfd, k: 1)).Neighbors[0];
            Assert.Equal((nfc, ids[0]), (fromNfd.Token, fromNfd.Id));
        });
    }

    [Fact]
    public async Task CreatePolicy_TokenWithWhitespace_InvalidArgumentAndNothingCreated_ExportOfAnEmptyViewRefused()
    {
        await WithStoreAsync(async (server, client) =>
        {
            await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            // The fuzzer created such a token, and every later Export of the view failed with INTERNAL.
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.ResolveAsync("v", ["fine", "two words"], UnknownPolicy.Create));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("'two words' cannot be created", refused.Status.Detail);
            Assert.Equal(0, (await client.DescribeViewAsync("v")).OwnRows);
            var badUnk = await Assert.ThrowsAsync<RpcException>(() => client.CreateViewAsync(new CreateViewRequest
            {
                Name = "w",
                Table = "t",
                Mode = TrainMode.Overlay,
                UnknownPolicy = UnknownPolicy.Unk,
                UnkToken = "<u k>",
            }));
            Assert.Equal(StatusCode.InvalidArgument, badUnk.StatusCode);

            // A path with NUL: .NET's path functions threw, and the answer was INTERNAL (found by the fuzzer).
            var nul = await Assert.ThrowsAsync<RpcException>(() => client.ImportFileAsync("n", "ft\0.txt"));
            Assert.Equal(StatusCode.InvalidArgument, nul.StatusCode);

            // A view over an empty table reads no rows: a word2vec file cannot say so.
            var empty = await Assert.ThrowsAsync<RpcException>(() => client.ExportAsync("v", new MemoryStream()));
            Assert.Equal(StatusCode.FailedPrecondition, empty.StatusCode);
            Assert.Contains("reads no rows", empty.Status.Detail);
        });
    }

    /// <summary>
    /// A request that does not parse (cut short, a string that is not UTF-8) was answered UNKNOWN "Exception was thrown
    /// by handler." by grpc-dotnet on every RPC (found by the fuzzer); it is INVALID_ARGUMENT naming the message.
    /// </summary>
    [Theory]
    [InlineData("embstore.v1.Rows", "Resolve", new byte[] { 0x0A, 0x02, 0x76 })]             // view: 2 bytes announced, 1 sent
    [InlineData("embstore.v1.Admin", "DescribeView", new byte[] { 0x0A, 0x02, 0xC3, 0x28 })] // view: invalid UTF-8
    [InlineData("embstore.v1.Rows", "Push", new byte[] { 0x0F })]                            // a field with wire type 7
    [InlineData("grpc.health.v1.Health", "Check", new byte[] { 0x0A, 0x05 })]
    public async Task MalformedRequestBytes_InvalidArgument(string service, string method, byte[] request)
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(server.Address);
            var bytes = Marshallers.Create(b => b, b => b);
            var call = new Method<byte[], byte[]>(MethodType.Unary, service, method, bytes, bytes);
            using (var client = new EmbeddingStoreClient(server.Address)) await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await channel.CreateCallInvoker().AsyncUnaryCall(call, null, default, request));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("the request is not a valid", refused.Status.Detail);
        }
        finally { server.DeleteData(); }
    }

    /// <summary>Runs <paramref name="test"/> against a fresh store process, with an empty table "t" of <see cref="Dim"/> columns.</summary>
    private static async Task WithStoreAsync(Func<ServerProcess, EmbeddingStoreClient, Task> test, bool createTable = true)
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            if (createTable) await client.CreateTableAsync("t", Dim);
            await test(server, client);
        }
        finally { server.DeleteData(); }
    }

    private static string WriteTextTable(string folder, string name, float magnitude)
    {
        var path = Path.Combine(folder, name);
        var lines = new List<string> { $"3 {Dim}" };
        foreach (var (token, sign) in new[] { ("a", 1f), ("b", -1f), ("c", 1f) })
            lines.Add(token + " " + string.Join(' ', Enumerable.Range(0, Dim).Select(i => (sign * magnitude * (i % 2 == 0 ? 1 : -1)).ToString("R", CultureInfo.InvariantCulture))));
        File.WriteAllLines(path, lines);
        return path;
    }
}
