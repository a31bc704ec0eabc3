using System.Net;
using EmbeddingStore.Core;

namespace EmbeddingStore.Server;

/// <summary>
/// Everything the server is configured with. A configuration file (<c>--config</c>) fills it first, its keys named
/// as these properties; command-line flags override the file.
/// </summary>
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
    /// <summary>Row changes kept for subscribers that reconnect or fall behind; see <see cref="StoreOptions.ChangeFeedCapacity"/>.</summary>
    public int ChangeFeedRows { get; init; } = 1 << 20;
    /// <summary>Memory for the neighbour caches of all views together (<see cref="StoreOptions.NeighbourCacheBytes"/>); null: as much as <see cref="MemoryMb"/>.</summary>
    public int? NeighbourCacheMb { get; init; }
    /// <summary>PEM certificate (chain) the endpoint serves TLS with; plain text when unset.</summary>
    public string? TlsCert { get; init; }
    /// <summary>PEM private key of <see cref="TlsCert"/>.</summary>
    public string? TlsKey { get; init; }
    /// <summary>JSON file of hashed API keys; when unset, every caller may do everything.</summary>
    public string? KeyFile { get; init; }
    /// <summary>Allows a non-loopback address without both TLS and a key file.</summary>
    public bool AllowInsecure { get; init; }
    /// <summary>Port of the Prometheus scrape endpoint (<c>GET /metrics</c>, HTTP/1.1, same address as gRPC); 0 turns it off.</summary>
    public int MetricsPort { get; init; }
    /// <summary>Console log format: "text" (one line per message) or "json" (one JSON object per message).</summary>
    public string LogFormat { get; init; } = "text";
    public StoreLimits Limits { get; init; } = new();

    public static readonly string[] LogFormats = ["text", "json"];

    public const int MinMemoryMb = 16;

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

    public IPAddress ListenAddress() => TryParseHost(Host, out var address)
        ? address
        : throw new ArgumentException($"host '{Host}' is not an IP address or 'localhost'");

    public string ResolvedImportDir => Path.GetFullPath(ImportDir ?? Path.Combine(DataDir, "import"));

    public bool UsesTls => TlsCert is not null;

    /// <summary>
    /// Why these options must not start, or null. TLS needs both files; an address other people can reach needs TLS
    /// and keys, unless the operator says otherwise with <c>--allow-insecure</c>.
    /// </summary>
    public string? Problem()
    {
        if (!TryParseHost(Host, out var address)) return $"host '{Host}' is not an IP address or 'localhost'";
        if ((TlsCert is null) != (TlsKey is null)) return "TLS needs both --tls-cert and --tls-key";
        if (!LogFormats.Contains(LogFormat)) return $"log format '{LogFormat}' is not one of {string.Join(", ", LogFormats)}";
        // The log keeps at least four of its 4 MiB pages in memory; a smaller budget would silently become 16 MiB.
        if (MemoryMb < MinMemoryMb) return $"--memory-mb {MemoryMb}: the store's log needs at least {MinMemoryMb} MiB of memory";
        if (NeighbourCacheMb < 1) return $"--neighbour-cache-mb {NeighbourCacheMb}: MiB, 1 or more";
        if (CheckpointIntervalSeconds < 0) return $"--checkpoint-interval {CheckpointIntervalSeconds}: seconds, 0 or more (0: only on request and at shutdown)";
        if (WalFlushMs < 1) return $"--wal-flush-ms {WalFlushMs}: milliseconds, 1 or more";
        if (!IPAddress.IsLoopback(address) && !(UsesTls && KeyFile is not null) && !AllowInsecure)
            return $"refusing to listen on {Host} without both TLS (--tls-cert, --tls-key) and API keys (--key-file): " +
                   "anyone who can reach it could read and write every view. Pass --allow-insecure to do it anyway.";
        return null;
    }

    public StoreOptions ToStoreOptions()
    {
        // Tests only, like the simulated disk below: the process kills itself at a named step (CrashPoints).
        CrashPoints.ArmFromEnvironment();
        return new()
        {
            DataDir = Path.GetFullPath(DataDir),
            MemoryBudgetBytes = (long)MemoryMb << 20,
            CheckpointInterval = TimeSpan.FromSeconds(CheckpointIntervalSeconds),
            WalFlushInterval = TimeSpan.FromMilliseconds(Math.Max(1, WalFlushMs)),
            InMemory = InMemory,
            ChangeFeedCapacity = ChangeFeedRows,
            NeighbourCacheBytes = (long)(NeighbourCacheMb ?? MemoryMb) << 20,
            SimulatedDiskBytes = long.TryParse(Environment.GetEnvironmentVariable(SimulatedDiskVariable), out var bytes) ? bytes : null,
        };
    }

    /// <summary>
    /// Tests only: the data folder's file system is taken to be this many bytes large (<see cref="StoreOptions.SimulatedDiskBytes"/>),
    /// so that a test fills it without a real small disk. Deliberately not a flag.
    /// </summary>
    public const string SimulatedDiskVariable = "EMBSTORE_TEST_DISK_BYTES";
}

/// <summary>
/// Bounds on requests, so one caller cannot take the server's memory. Each is refused with a message naming the
/// limit and its flag (see docs/limits.md): INVALID_ARGUMENT for a request too large, RESOURCE_EXHAUSTED for too
/// many calls at once.
/// </summary>
public sealed record StoreLimits
{
    /// <summary>Row ids in one Pull or Push.</summary>
    public int MaxRowsPerRequest { get; init; } = 100_000;
    /// <summary>Floats sent or returned by one request (rows times dimension).</summary>
    public long MaxFloatsPerRequest { get; init; } = 16L << 20;
    /// <summary>Tokens in one Resolve or Pull.</summary>
    public int MaxTokensPerRequest { get; init; } = 100_000;
    /// <summary>UTF-16 characters in one token.</summary>
    public int MaxTokenLength { get; init; } = 1_000;
    /// <summary>Dimension of a new table.</summary>
    public int MaxDim { get; init; } = Store.MaxDim;

    /// <summary>Fits the largest batch: 16M floats (64 MiB) plus ids and framing.</summary>
    public int MaxMessageBytes { get; init; } = 80 << 20;
    /// <summary>Open Subscribe streams per client (API key, or peer address without keys); enforced by Subscribe.</summary>
    public int MaxSubscriptionsPerClient { get; init; } = 16;
    /// <summary>ImportFile and UploadFile calls running at the same time.</summary>
    public int MaxConcurrentImports { get; init; } = 2;
    /// <summary>Open connections to the gRPC port (Kestrel's MaxConcurrentConnections); one over it is closed at once.</summary>
    public int MaxConnections { get; init; } = 256;
    /// <summary>Concurrent calls (HTTP/2 streams) on one connection; the client waits for a free one (or opens another connection).</summary>
    public int MaxStreamsPerConnection { get; init; } = 100;

    /// <summary>HTTP/2 receive window per request stream: a push of this size is sent without waiting for window updates.</summary>
    public int ReceiveWindowBytes { get; init; } = 8 << 20;
}
