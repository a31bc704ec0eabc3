using EmbeddingStore.Client;
using EmbeddingStore.Core;
using EmbeddingStore.Server;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EmbeddingStore.Tests.Server;

/// <summary>The real gRPC host and core, served in memory by TestServer; each instance has its own folders.</summary>
public sealed class TestServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    public string Root { get; } = Directory.CreateTempSubdirectory("embstore-server-").FullName;
    public string ImportDir => Path.Combine(Root, "import");
    public EmbeddingStoreClient Client { get; }

    private TestServerHost(Func<StoreOpener, StoreOpener>? wrapOpener, StoreLimits? limits)
    {
        Directory.CreateDirectory(ImportDir);
        var options = new ServerOptions
        {
            DataDir = Path.Combine(Root, "data"),
            ImportDir = ImportDir,
            MemoryMb = 32,
            CheckpointIntervalSeconds = 0,
            Limits = limits ?? new StoreLimits(),
        };
        _app = StoreServer.Build(options, builder =>
        {
            builder.WebHost.UseTestServer();
            if (wrapOpener is null) return;
            var descriptor = builder.Services.Single(d => d.ServiceType == typeof(StoreOpener));
            builder.Services.Remove(descriptor);
            builder.Services.AddSingleton(sp => wrapOpener((StoreOpener)descriptor.ImplementationFactory!(sp)));
        });
        _app.StartAsync().GetAwaiter().GetResult();
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = _app.GetTestServer().CreateHandler() });
        Client = new EmbeddingStoreClient(_channel);
    }

    public static async Task<TestServerHost> StartAsync(Func<StoreOpener, StoreOpener>? wrapOpener = null, StoreLimits? limits = null)
    {
        var host = new TestServerHost(wrapOpener, limits);
        if (wrapOpener is null) await host.Client.WaitForServingAsync(TimeSpan.FromSeconds(30));
        return host;
    }

    public GrpcChannel Channel => _channel;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
