using System.Net;
using EmbeddingStore.Core;

namespace EmbeddingStore.Server;

/// <summary>Everything the server is configured with; the command line fills it.</summary>
public sealed record ServerOptions
{
    public int Port { get; init; } = 5191;
    public string Host { get; init; } = "127.0.0.1";
    public string DataDir { get; init; } = "embstore-data";
    /// <summary>The only folder ImportFile may read from; defaults to DataDir/import.</summary>
    public string? ImportDir { get; init; }
    public int MemoryMb { get; init; } = 512;
    public int CheckpointIntervalSeconds { get; init; } = 60;
    public int WalFlushMs { get; init; } = 100;
    public bool InMemory { get; init; }
    public StoreLimits Limits { get; init; } = new();

    /// <summary>
    /// The address to bind: an IP literal, or "localhost" for the IPv4 loopback. Other host names are refused
    /// rather than resolved, because a name that resolves to several addresses would bind an arbitrary one.
    /// </summary>
    public static bool TryParseHost(string? host, out IPAddress address)
    {
        if (host is "localhost")
        {
            address = IPAddress.Loopback;
            return true;
        }
        return IPAddress.TryParse(host, out address!);
    }

    public IPAddress ListenAddress => TryParseHost(Host, out var address)
        ? address
        : throw new ArgumentException($"host '{Host}' is not an IP address or 'localhost'");

    public string ResolvedImportDir => Path.GetFullPath(ImportDir ?? Path.Combine(DataDir, "import"));

    public StoreOptions ToStoreOptions() => new()
    {
        DataDir = Path.GetFullPath(DataDir),
        MemoryBudgetBytes = (long)MemoryMb << 20,
        CheckpointInterval = TimeSpan.FromSeconds(CheckpointIntervalSeconds),
        WalFlushInterval = TimeSpan.FromMilliseconds(Math.Max(1, WalFlushMs)),
        InMemory = InMemory,
    };
}

/// <summary>
/// Bounds on a single request, so one call cannot take the server's memory. Violations are refused with
/// INVALID_ARGUMENT naming the limit.
/// </summary>
public sealed record StoreLimits
{
    public int MaxRowsPerRequest { get; init; } = 100_000;
    public long MaxFloatsPerRequest { get; init; } = 16L << 20;
    public int MaxTokensPerRequest { get; init; } = 100_000;

    /// <summary>Fits the largest batch: 16M floats (64 MiB) plus ids and framing.</summary>
    public int MaxMessageBytes { get; init; } = 80 << 20;

    /// <summary>HTTP/2 receive window per request stream: a push of this size is sent without waiting for window updates.</summary>
    public int ReceiveWindowBytes { get; init; } = 8 << 20;
}
