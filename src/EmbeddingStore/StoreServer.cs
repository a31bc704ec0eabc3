using System.Net;
using EmbeddingStore.Core;
using EmbeddingStore.Server.Services;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EmbeddingStore.Server;

/// <summary>Builds and runs the gRPC host; tests and tools start it in-process through <see cref="Build"/>.</summary>
public static class StoreServer
{
    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // One line per request would drown the store's own messages and cost time on hot paths.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.ListenAddress, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = null;
            // A 1,000-row push is 0.4-1.2 MB: with Kestrel's 768 KiB stream window the client would stop and
            // wait for a window update in the middle of a 300-d push.
            kestrel.Limits.Http2.InitialStreamWindowSize = options.Limits.ReceiveWindowBytes;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 2 * options.Limits.ReceiveWindowBytes;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<StoreOpener>(sp => cancellationToken =>
            Store.OpenAsync(options.ToStoreOptions(), sp.GetRequiredService<ILoggerFactory>(), cancellationToken));
        builder.Services.AddSingleton<StoreHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreHost>());
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.MaxReceiveMessageSize = options.Limits.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.Limits.MaxMessageBytes;
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<StoreHost>("store");
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGrpcService<AdminService>();
        app.MapGrpcService<RowsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    public static async Task<int> RunAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        var app = Build(options);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmbeddingStore");
        ServerLog.Starting(logger, Path.GetFullPath(options.DataDir), options.ResolvedImportDir, options.MemoryMb, options.CheckpointIntervalSeconds);
        if (!IPAddress.IsLoopback(options.ListenAddress)) ServerLog.NotLoopback(logger, options.Host);
        else ServerLog.OpenOnLoopback(logger);
        await app.StartAsync(cancellationToken);
        Console.WriteLine($"EmbeddingStore listening on http://{options.Host}:{options.Port}");
        await app.WaitForShutdownAsync(cancellationToken);
        return Environment.ExitCode;
    }
}
