using System.Globalization;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Cli;

/// <summary>The fields <c>describe</c> prints for tables and views, with the names the rest of the CLI uses.</summary>
public static class Descriptions
{
    public static IEnumerable<(string, string)> Table(TableInfo t) =>
    [
        ("name", t.Name),
        ("dim", Number(t.Dim)),
        ("rows", Number(t.Rows)),
        ("variance_matched_a", Number(t.VarianceMatchedA)),
        ("stored", Output.Bytes(t.StoredBytes)),
        ("source", Or(t.Source)),
        ("created", Output.Time(t.CreatedUnixMs)),
        ("views", t.Views.Count == 0 ? "-" : string.Join(",", t.Views)),
    ];

    public static IEnumerable<(string, string)> View(ViewInfo v) =>
    [
        ("name", v.Name),
        ("table", v.Table),
        ("parent", Or(v.ParentView)),
        ("snapshot_of", Or(v.SnapshotOf)),
        ("snapshot_version", v.SnapshotOf.Length == 0 ? "-" : Number(v.SnapshotVersion)),
        ("dim", Number(v.Dim)),
        ("mode", ProtoNames.Name(ProtoNames.Modes, v.Mode)),
        ("unknown", ProtoNames.Name(ProtoNames.UnknownPolicies, v.UnknownPolicy)),
        ("init", ProtoNames.Name(ProtoNames.Inits, v.Init)),
        ("init_scale", Number(v.InitScale)),
        ("init_copy_token", Or(v.InitCopyToken)),
        ("optimizer", v.Optimizer is null ? "-" : ProtoNames.Name(ProtoNames.Optimizers, v.Optimizer.Kind)),
        ("learning_rate", v.Optimizer is null ? "-" : Number(v.Optimizer.LearningRate)),
        ("pad_token", Or(v.PadToken)),
        ("unk_token", Or(v.UnkToken)),
        ("seed", Number(v.Seed)),
        ("own_rows", Number(v.OwnRows)),
        ("copied_rows", Number(v.CopiedRows)),
        ("base_rows", Number(v.BaseRows)),
        ("stored", Output.Bytes(v.StoredBytes)),
        ("created", Output.Time(v.CreatedUnixMs)),
        ("min_count", Number(v.MinCount)),
        ("evict_unused_after", v.EvictUnusedAfterMs == 0 ? "never" : Durations.Format(v.EvictUnusedAfterMs)),
        ("pending_tokens", Number(v.PendingTokens)),
        ("evicted_rows", Number(v.EvictedRows)),
    ];

    public static string Number(IFormattable value) => value.ToString(value is float ? "G6" : null, CultureInfo.InvariantCulture);

    private static string Or(string value) => value.Length == 0 ? "-" : value;
}
