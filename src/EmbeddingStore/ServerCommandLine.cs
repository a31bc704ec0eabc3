using System.CommandLine;

namespace EmbeddingStore.Server;

/// <summary>The server's command line: every option has a default, so it runs with none.</summary>
public static class ServerCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Embedding store: pretrained word vectors as frozen rows, trainable views, over gRPC");
        Configure(root);
        return root;
    }

    /// <summary>The same options and action on another command, e.g. <c>embstore serve</c>.</summary>
    public static Command ServeCommand()
    {
        var serve = new Command("serve", "Run the store in this process until Ctrl+C (same options as the EmbeddingStore server)");
        Configure(serve);
        return serve;
    }

    private static void Configure(Command command)
    {
        var defaults = new ServerOptions();
        var port = new Option<int>("--port") { Description = "TCP port", DefaultValueFactory = _ => defaults.Port };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => defaults.Host };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder for the log, checkpoints and write-ahead log", DefaultValueFactory = _ => defaults.DataDir };
        host.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!ServerOptions.TryParseHost(value, out _)) result.AddError($"--host: '{value}' is not an IP address or 'localhost'");
        });
        var importDir = new Option<string?>("--import-dir") { Description = "The only folder ImportFile reads from (default: DATA_DIR/import)" };
        var memory = new Option<int>("--memory-mb") { Description = "Memory for the in-memory part of the store's log", DefaultValueFactory = _ => defaults.MemoryMb };
        var checkpoint = new Option<int>("--checkpoint-interval") { Description = "Seconds between checkpoints (0: only on request and at shutdown)", DefaultValueFactory = _ => defaults.CheckpointIntervalSeconds };
        var flush = new Option<int>("--wal-flush-ms") { Description = "Milliseconds within which a default push reaches disk", DefaultValueFactory = _ => defaults.WalFlushMs };
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep nothing on disk (tests, demos)" };
        var feedRows = new Option<int>("--change-feed-rows") { Description = "Row changes kept for subscribers that reconnect or fall behind (24 bytes each)", DefaultValueFactory = _ => defaults.ChangeFeedRows };
        var subscriptions = new Option<int>("--max-subscriptions-per-client") { Description = "Open Subscribe streams allowed per client address", DefaultValueFactory = _ => defaults.Limits.MaxSubscriptionsPerClient };
        feedRows.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--change-feed-rows: keep at least 1 change");
        });
        foreach (var option in new Option[] { port, host, dataDir, importDir, memory, checkpoint, flush, inMemory, feedRows, subscriptions }) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => StoreServer.RunAsync(new ServerOptions
        {
            Port = parse.GetValue(port),
            Host = parse.GetValue(host)!,
            DataDir = parse.GetValue(dataDir)!,
            ImportDir = parse.GetValue(importDir),
            MemoryMb = parse.GetValue(memory),
            CheckpointIntervalSeconds = parse.GetValue(checkpoint),
            WalFlushMs = parse.GetValue(flush),
            InMemory = parse.GetValue(inMemory),
            ChangeFeedRows = parse.GetValue(feedRows),
            Limits = new StoreLimits { MaxSubscriptionsPerClient = parse.GetValue(subscriptions) },
        }, cancellationToken));
    }
}
