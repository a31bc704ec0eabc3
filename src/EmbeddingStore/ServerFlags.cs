using System.CommandLine;

namespace EmbeddingStore.Server;

/// <summary>
/// One flag per <see cref="ServerOptions"/> setting, each with the setter it applies. Only flags given on the
/// command line are applied, over the configuration file's values, so a file's setting survives an absent flag.
/// </summary>
internal sealed class ServerFlags
{
    private static readonly ServerOptions Defaults = new();

    private readonly Option<string?> _config = new("--config")
    {
        Description = "JSON configuration file with any of these settings (see deploy/embstore.json); flags override it",
    };

    private readonly List<(Option Option, Func<ServerOptions, ParseResult, ServerOptions> Apply)> _flags = [];

    public ServerFlags()
    {
        var host = Flag("--host", "Address to listen on", Defaults.Host, (o, v) => o with { Host = v });
        host.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!ServerOptions.TryParseHost(value, out _)) result.AddError($"--host: '{value}' is not an IP address or 'localhost'");
        });
        Flag("--port", "TCP port", Defaults.Port, (o, v) => o with { Port = v });
        Flag("--data-dir", "Folder for the log, checkpoints and write-ahead log", Defaults.DataDir, (o, v) => o with { DataDir = v });
        Flag<string?>("--import-dir", "The only folder ImportFile reads from (default: DATA_DIR/import)", null, (o, v) => o with { ImportDir = v });
        Flag("--memory-mb", "Memory for the in-memory part of the store's log, at least 16 (the write-ahead log's buffer takes an eighth of it more, 32 to 128 MiB)", Defaults.MemoryMb, (o, v) => o with { MemoryMb = v });
        Flag("--checkpoint-interval", "Seconds between checkpoints (0: only on request and at shutdown)", Defaults.CheckpointIntervalSeconds,
            (o, v) => o with { CheckpointIntervalSeconds = v });
        Flag("--wal-flush-ms", "Milliseconds within which a default push reaches disk", Defaults.WalFlushMs, (o, v) => o with { WalFlushMs = v });
        Flag("--in-memory", "Keep nothing on disk (tests, demos)", false, (o, v) => o with { InMemory = v });
        var feedRows = Flag("--change-feed-rows", "Row changes kept for subscribers that reconnect or fall behind (24 bytes each)",
            Defaults.ChangeFeedRows, (o, v) => o with { ChangeFeedRows = v });
        feedRows.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--change-feed-rows: keep at least 1 change");
        });
        Flag<int?>("--neighbour-cache-mb",
            "Memory for the neighbour caches of all views together: tables' unit vectors, shared by their views, and views' own rows; least recently used evicted first, a larger table refused (default: as --memory-mb)",
            null, (o, v) => o with { NeighbourCacheMb = v });
        Flag("--metrics-port", "Port of the Prometheus endpoint GET /metrics (0: off)", Defaults.MetricsPort, (o, v) => o with { MetricsPort = v });
        Flag("--log-format", "Console log format", Defaults.LogFormat, (o, v) => o with { LogFormat = v }).AcceptOnlyFromAmong(ServerOptions.LogFormats);
        Flag<string?>("--tls-cert", "PEM certificate (chain) to serve TLS with", null, (o, v) => o with { TlsCert = v });
        Flag<string?>("--tls-key", "PEM private key of --tls-cert", null, (o, v) => o with { TlsKey = v });
        Flag<string?>("--key-file", "JSON file of hashed API keys (re-read when it changes); without it every caller may do everything",
            null, (o, v) => o with { KeyFile = v });
        Flag("--allow-insecure", "Allow an address other than loopback without both TLS and a key file", false, (o, v) => o with { AllowInsecure = v });

        var limits = Defaults.Limits;
        Limit("--max-rows-per-request", "Row ids in one Pull or Push", limits.MaxRowsPerRequest, (l, v) => l with { MaxRowsPerRequest = v });
        Limit("--max-floats-per-request", "Floats sent or returned by one request", limits.MaxFloatsPerRequest, (l, v) => l with { MaxFloatsPerRequest = v });
        Limit("--max-tokens-per-request", "Tokens in one Resolve or Pull", limits.MaxTokensPerRequest, (l, v) => l with { MaxTokensPerRequest = v });
        Limit("--max-token-length", "Characters in one token", limits.MaxTokenLength, (l, v) => l with { MaxTokenLength = v });
        Limit("--max-dim", "Dimension of a new table", limits.MaxDim, (l, v) => l with { MaxDim = v });
        Limit("--max-message-bytes", "Size of one gRPC message, either way", limits.MaxMessageBytes, (l, v) => l with { MaxMessageBytes = v });
        Limit("--max-subscriptions-per-client", "Open Subscribe streams per API key (or peer address without keys)",
            limits.MaxSubscriptionsPerClient, (l, v) => l with { MaxSubscriptionsPerClient = v });
        Limit("--max-concurrent-imports", "ImportFile and UploadFile calls running at once", limits.MaxConcurrentImports,
            (l, v) => l with { MaxConcurrentImports = v });
        Limit("--max-connections", "Open connections to the gRPC port; one over it is closed at once", limits.MaxConnections,
            (l, v) => l with { MaxConnections = v });
        Limit("--max-streams-per-connection", "Concurrent calls (HTTP/2 streams) on one connection", limits.MaxStreamsPerConnection,
            (l, v) => l with { MaxStreamsPerConnection = v });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_config);
        foreach (var (option, _) in _flags) command.Options.Add(option);
    }

    /// <exception cref="InvalidDataException">The configuration file is missing or invalid.</exception>
    public ServerOptions ToOptions(ParseResult parse)
    {
        var options = parse.GetValue(_config) is { } file ? ServerConfigFile.Load(file) : new ServerOptions();
        foreach (var (option, apply) in _flags)
            if (parse.GetResult(option) is { Implicit: false })
                options = apply(options, parse);
        return options;
    }

    private Option<T> Flag<T>(string name, string description, T defaultValue, Func<ServerOptions, T, ServerOptions> apply)
    {
        var option = new Option<T>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        _flags.Add((option, (o, parse) => apply(o, parse.GetValue(option)!)));
        return option;
    }

    private void Limit<T>(string name, string description, T defaultValue, Func<StoreLimits, T, StoreLimits> apply) where T : struct
    {
        var option = Flag(name, description, defaultValue, (o, v) => o with { Limits = apply(o.Limits, v) });
        option.Validators.Add(result =>
        {
            if (Comparer<T>.Default.Compare(result.GetValueOrDefault<T>(), default) <= 0) result.AddError($"{name} must be positive");
        });
    }
}
