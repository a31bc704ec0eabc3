using System.Collections.Concurrent;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace CrashLoop;

/// <summary>A snapshot whose creation was acknowledged, and what its rows read the first time a check saw it.</summary>
public sealed record SnapshotEntry(string Name, string Source, long AcknowledgedAt)
{
    public int? Digest { get; set; }
}

/// <summary>
/// What the loop knows the store must hold: the imported table and its views, the rows pushed, every token created
/// and every snapshot taken. The checks compare the store with it after each kill.
/// </summary>
public sealed class StoreModel
{
    public const string Table = "glove";
    public const string Static = "static";
    public const string Overlay = "overlay";
    public const string FineTune = "finetune";
    /// <summary>A fine-tune view over <see cref="FineTune"/>.</summary>
    public const string Layered = "layered";
    public const string Evicting = "evicting";
    /// <summary>The overlay rows pushed to start with it; the subscriber follows them.</summary>
    public const string PushedPrefix = "@";
    private const int RowsPerTarget = 8;

    private StoreModel(BaseFile file, PushTarget[] targets)
    {
        File = file;
        Targets = targets;
    }

    public BaseFile File { get; }
    public PushTarget[] Targets { get; }

    /// <summary>The base rows' ids through the static view, as the first check read them.</summary>
    public long[]? BaseIds { get; set; }

    public IReadOnlyList<TokenLedger> TokenLedgers { get; } =
        [new(Overlay, evicts: false), new(Layered, evicts: false), new(Evicting, evicts: true)];

    public TokenLedger Tokens(string view) => TokenLedgers.Single(l => l.View == view);

    public ConcurrentDictionary<string, SnapshotEntry> Snapshots { get; } = new();

    private long _syncedBy;

    /// <summary>
    /// Everything acknowledged before this timestamp is on disk, whatever its durability: a durable push sent after it
    /// was acknowledged, and the write-ahead log reaches disk in order (a commit takes every entry appended before it).
    /// </summary>
    public long SyncedBy => Interlocked.Read(ref _syncedBy);

    public void DurablePushAcknowledged(long sentAt)
    {
        var before = Interlocked.Read(ref _syncedBy);
        while (sentAt > before && Interlocked.CompareExchange(ref _syncedBy, sentAt, before) is var seen && seen != before) before = seen;
    }

    /// <summary>The views whose own rows a snapshot of <paramref name="source"/> holds.</summary>
    public static string[] Chain(string source) => source == Layered ? [FineTune, Layered] : [source];

    public IEnumerable<PushTarget> SubscribedTargets => Targets.Where(t => t.View == Overlay);

    /// <summary>Imports the file through the server's import folder and creates the views and the rows to push.</summary>
    public static async Task<StoreModel> CreateAsync(EmbeddingStoreClient client, BaseFile file, string importPath)
    {
        await client.ImportFileAsync(Table, importPath);
        ViewOptions[] views =
        [
            new(Static) { Table = Table, Mode = TrainMode.Static },
            new(Overlay) { Table = Table, Mode = TrainMode.Overlay, Unknown = UnknownPolicy.Create },
            new(FineTune) { Table = Table, Mode = TrainMode.FineTune },
            new(Layered) { ParentView = FineTune, Mode = TrainMode.FineTune },
            new(Evicting) { Table = Table, Mode = TrainMode.Overlay, Unknown = UnknownPolicy.Create, EvictUnusedAfter = TimeSpan.FromMilliseconds(300) },
        ];
        foreach (var view in views) await client.CreateViewAsync(view);

        async Task<PushTarget> Target(string name, string view, Durability durability, string[] tokens) =>
            new(name, view, durability, tokens, await client.ResolveAsync(view, tokens, UnknownPolicy.Create));
        string[] Own(string kind) => [.. Enumerable.Range(0, RowsPerTarget).Select(i => $"{PushedPrefix}{kind}-{i}")];
        // Base rows, a different set per target: a layered view's copy must start from the base row, not from a copy below it.
        string[] Inherited(int set) => file.Tokens[(100 + set * RowsPerTarget)..(100 + (set + 1) * RowsPerTarget)];
        PushTarget[] targets =
        [
            await Target("overlay durable", Overlay, Durability.Sync, Own("durable")),
            await Target("overlay default", Overlay, Durability.Default, Own("default")),
            await Target("fine-tune durable", FineTune, Durability.Sync, Inherited(0)),
            await Target("fine-tune default", FineTune, Durability.Default, Inherited(1)),
            await Target("layered durable", Layered, Durability.Sync, Inherited(2)),
        ];
        return new StoreModel(file, targets);
    }
}
