using System.Net;
using System.Security.Cryptography.X509Certificates;
using EmbeddingStore.Core;
using EmbeddingStore.Server.Limits;
using EmbeddingStore.Server.Security;
using EmbeddingStore.Server.Services;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace EmbeddingStore.Server;

/// <summary>Builds and runs the gRPC host; tests and tools start it in-process through <see cref="Build"/>.</summary>
public static class StoreServer
{
    /// <summary>The gRPC health service that is NOT_SERVING while the store refuses writes (<see cref="StoreHost.WritesCheck"/>).</summary>
    public const string WritesHealthService = "embstore.writes";

    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (options.LogFormat == "json")
            builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
        else
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        // One line per request would drown the store's own messages and cost time on hot paths.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        var certificate = options.UsesTls ? LoadCertificate(options) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.ListenAddress(), options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null) listen.UseHttps(certificate);
            });
            if (options.MetricsPort > 0)
                kestrel.Listen(options.ListenAddress(), options.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Limits.MaxRequestBodySize = null;
            // Per listening port (the metrics port counts its own); a connection over the limit is closed at once.
            kestrel.Limits.MaxConcurrentConnections = options.Limits.MaxConnections;
            kestrel.Limits.Http2.MaxStreamsPerConnection = options.Limits.MaxStreamsPerConnection;
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
        builder.Services.AddSingleton<SubscriptionLimiter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreHost>());
        builder.Services.AddSingleton<ImportSlots>();
        if (options.KeyFile is not null) builder.Services.AddSingleton<KeyRing>();
        builder.Services.AddGrpc(grpc =>
        {
            // Outermost first: metrics see the status code ErrorInterceptor maps exceptions to.
            grpc.Interceptors.Add<MetricsInterceptor>();
            grpc.Interceptors.Add<ErrorInterceptor>();
            if (options.KeyFile is not null) grpc.Interceptors.Add<AuthInterceptor>();
            grpc.MaxReceiveMessageSize = options.Limits.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.Limits.MaxMessageBytes;
        });
        builder.Services.AddGrpcReflection();
        if (options.MetricsPort > 0)
            builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("embstore")).WithMetrics(metrics => metrics
                .AddMeter(MetricsInterceptor.MeterName, StoreMetrics.MeterName)
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        builder.Services.AddGrpcHealthChecks(health =>
        {
            // "": the store is open and serves reads; a full disk refuses writes only, reported under its own name.
            health.Services.Clear();
            health.Services.Map("", check => check.Name == "store");
            health.Services.Map(WritesHealthService, check => check.Name == "writes");
        }).AddCheck<StoreHost>("store").AddCheck<StoreHost.WritesCheck>("writes");
        configure?.Invoke(builder);
        // Last: AddGrpc (also called by the health checks and reflection) registers grpc-dotnet's binder, which this replaces.
        builder.Services.AddStrictRequestParsing();

        var app = builder.Build();
        // Read now, so that a bad key file stops the start instead of the first call.
        if (options.KeyFile is not null)
        {
            app.Services.GetRequiredService<KeyRing>();
            // Before gRPC reads a request's body: what the headers alone decide (KeyCheckMiddleware).
            app.UseMiddleware<KeyCheckMiddleware>();
        }
        app.MapGrpcService<AdminService>();
        app.MapGrpcService<RowsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        if (options.MetricsPort > 0)
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                context.Connection.LocalPort == options.MetricsPort && context.Request.Path == "/metrics");
        return app;
    }

    /// <exception cref="IOException">The files are missing or do not hold a matching PEM certificate and key.</exception>
    private static X509Certificate2 LoadCertificate(ServerOptions options)
    {
        try { return X509Certificate2.CreateFromPemFile(options.TlsCert!, options.TlsKey); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new IOException($"TLS certificate {options.TlsCert} with key {options.TlsKey}: {e.Message}", e);
        }
    }

    public static async Task<int> RunAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        if (options.Problem() is { } problem)
        {
            await Console.Error.WriteLineAsync("error: " + problem);
            return 2;
        }
        WebApplication app;
        try { app = Build(options); }
        catch (Exception e) when (e is KeyFileException or IOException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return 2;
        }
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EmbeddingStore");
        ServerLog.Starting(logger, Path.GetFullPath(options.DataDir), options.ResolvedImportDir, options.MemoryMb, options.CheckpointIntervalSeconds);
        LogSecurity(logger, options, app.Services.GetService<KeyRing>());
        await app.StartAsync(cancellationToken);
        // Scripts and tests wait for this line.
        ServerLog.Listening(logger, $"{(options.UsesTls ? "https" : "http")}://{options.Host}:{options.Port}");
        if (options.MetricsPort > 0) ServerLog.MetricsAt(logger, $"http://{options.Host}:{options.MetricsPort}/metrics");
        await app.WaitForShutdownAsync(cancellationToken);
        return Environment.ExitCode;
    }

    private static void LogSecurity(ILogger logger, ServerOptions options, KeyRing? keys)
    {
        var access = keys is null ? "open: no API keys" : $"{keys.Count} API keys from {keys.FilePath}";
        var transport = options.UsesTls ? "TLS" : "plain text";
        ServerLog.Security(logger, access, transport, options.Host);
        if (IPAddress.IsLoopback(options.ListenAddress()) || (keys is not null && options.UsesTls)) return;
        var missing = string.Join(" and ", new[] { keys is null ? "API keys" : null, options.UsesTls ? null : "TLS" }.OfType<string>());
        ServerLog.InsecureNotLoopback(logger, options.Host, missing,
            keys is null ? "read and write every view" : "read the keys and vectors on the wire");
    }
}
