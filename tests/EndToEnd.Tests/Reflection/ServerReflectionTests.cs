using System.Runtime.InteropServices;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1;

namespace EndToEnd.Tests.Reflection;

/// <summary>
/// Generic tools (grpcurl, Postman, Python's reflection client) see the store through server reflection: they list
/// its services, fetch the descriptors and call methods with messages built from those descriptors alone.
/// </summary>
public class ServerReflectionTests
{
    private static readonly Marshaller<byte[]> RawBytes = Marshallers.Create(bytes => bytes, bytes => bytes);

    [Fact]
    public async Task ListServices_RealStore_ApiHealthAndReflectionListed()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using (var typed = new EmbeddingStoreClient(server.Address)) await typed.WaitForServingAsync(TimeSpan.FromSeconds(30));
            using var channel = GrpcChannel.ForAddress(server.Address);
            using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
            var reply = await AskAsync(call, new ServerReflectionRequest { ListServices = "" });
            var services = reply.ListServicesResponse.Service.Select(s => s.Name).ToList();
            Assert.Contains("embstore.v1.Admin", services);
            Assert.Contains("embstore.v1.Rows", services);
            Assert.Contains("grpc.health.v1.Health", services);
            Assert.Contains("grpc.reflection.v1.ServerReflection", services);
        }
        finally { server.DeleteData(); }
    }

    [Fact]
    public async Task DescriptorOnlyCalls_ListTablesAndPull_DecodeTheStoreRows()
    {
        await using var server = await ServerProcess.StartAsync();
        try
        {
            // The table and view are set up with the typed client; everything after uses descriptors only.
            using (var typed = new EmbeddingStoreClient(server.Address))
            {
                await typed.WaitForServingAsync(TimeSpan.FromSeconds(30));
                var file = Path.Combine(server.ImportDir, "small.txt");
                await File.WriteAllTextAsync(file, "2 4\ngood 1 0 0 0\nbad 0 1 0 0.5\n");
                await typed.UploadFileAsync("small", file);
                await typed.CreateViewAsync(new CreateViewRequest { Name = "m", Table = "small", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            }

            using var channel = GrpcChannel.ForAddress(server.Address);
            using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
            var files = (await AskAsync(call, new ServerReflectionRequest { FileContainingSymbol = "embstore.v1.Rows" })).FileDescriptorResponse.FileDescriptorProto;
            var services = FileDescriptor.BuildFromByteStrings(files).SelectMany(f => f.Services).ToDictionary(s => s.FullName);

            var listTables = services["embstore.v1.Admin"].FindMethodByName("ListTables");
            var tables = await CallAsync(channel, listTables, new Dictionary<string, object>());
            var table = Assert.IsType<Dictionary<string, object>>(Assert.Single((List<object>)tables["tables"]));
            Assert.Equal("small", table["name"]);
            Assert.Equal(4, table["dim"]);
            Assert.Equal(2L, table["rows"]);

            var pull = services["embstore.v1.Rows"].FindMethodByName("Pull");
            var rows = await CallAsync(channel, pull, new Dictionary<string, object> { ["view"] = "m", ["tokens"] = new[] { "bad", "@user" } });
            Assert.Equal(4, rows["dim"]);
            var vectors = MemoryMarshal.Cast<byte, float>((byte[])rows["vectors"]).ToArray();
            Assert.Equal([0f, 1f, 0f, 0.5f], vectors[..4]);
            var metas = ((List<object>)rows["rows"]).Cast<Dictionary<string, object>>().ToList();
            Assert.Equal("ROW_ORIGIN_BASE", metas[0]["origin"]);
            Assert.Equal("ROW_ORIGIN_VIEW", metas[1]["origin"]);
            Assert.Equal(true, metas[1]["trainable"]);
        }
        finally { server.DeleteData(); }
    }

    private static async Task<ServerReflectionResponse> AskAsync(AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> call, ServerReflectionRequest request)
    {
        await call.RequestStream.WriteAsync(request);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None), "the reflection stream ended");
        var reply = call.ResponseStream.Current;
        Assert.True(reply.ErrorResponse is null, $"reflection error: {reply.ErrorResponse}");
        return reply;
    }

    /// <summary>A unary call through a method known only by its descriptor, with bytes on the wire both ways.</summary>
    private static async Task<Dictionary<string, object>> CallAsync(GrpcChannel channel, MethodDescriptor method, IReadOnlyDictionary<string, object> request)
    {
        var raw = new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name, RawBytes, RawBytes);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30));
        var reply = await channel.CreateCallInvoker().AsyncUnaryCall(raw, null, options, DynamicMessage.Encode(method.InputType, request));
        return DynamicMessage.Decode(method.OutputType, reply);
    }
}
