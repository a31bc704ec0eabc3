using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace EmbeddingStore.Core;

/// <summary>A table's metadata. Base rows are ids MakeRowId(Space, 0..Rows-1).</summary>
internal sealed class TableEntry
{
    public required string Name { get; init; }
    public required int Space { get; init; }
    /// <summary>Set from the file's header once an import has read it.</summary>
    public required int Dim { get; set; }
    public long Rows { get; set; }
    public float VarianceMatchedA { get; set; }
    public float StdDev { get; set; }
    public long StoredBytes { get; set; }
    public string Source { get; set; } = "";
    public long CreatedUnixMs { get; init; }
    /// <summary>False while an import is running; such a table is invisible and is discarded on recovery.</summary>
    public bool Ready { get; set; }
}

/// <summary>A view's metadata and its counters (updated with Interlocked, so fields, not properties).</summary>
internal sealed class ViewEntry
{
    public required string Name { get; init; }
    public required int Space { get; init; }
    public string? ParentTable { get; init; }
    public string? ParentView { get; init; }
    public required string Table { get; init; }
    public required int Dim { get; init; }
    public TrainMode Mode { get; init; }
    public UnknownPolicy UnknownPolicy { get; init; }
    public InitKind Init { get; init; }
    public float InitScale { get; init; }
    public string? InitCopyToken { get; init; }
    public required OptimizerSettings Optimizer { get; init; }
    public required string PadToken { get; init; }
    public required string UnkToken { get; init; }
    public ulong Seed { get; init; }
    public long CreatedUnixMs { get; init; }
    /// <summary>Set on snapshots: the view pinned, and the store version of the cut.</summary>
    public string? SnapshotOf { get; init; }
    public long SnapshotVersion { get; init; }
    public int MinCount { get; init; }
    public long EvictUnusedAfterMs { get; init; }

    [JsonInclude] public long NextLocal;
    [JsonInclude] public long OwnRows;
    [JsonInclude] public long CopiedRows;
    [JsonInclude] public long EvictedRows;
}

/// <summary>
/// Names, spaces and settings of all tables and views. Kept in memory, stored as one JSON record
/// (small: one entry per table or view), written through the write-ahead log on every change.
/// </summary>
internal sealed partial class Catalog
{
    public int NextSpace { get; set; } = 1;
    public Dictionary<string, TableEntry> Tables { get; init; } = [];
    public Dictionary<string, ViewEntry> Views { get; init; } = [];
    /// <summary>Spaces of deleted tables and views: their records are garbage, never read again.</summary>
    public List<int> Retired { get; init; } = [];
    /// <summary>
    /// Bytes of the log's records known to be superseded, as of the last checkpoint: what decides a compaction
    /// (<see cref="Storage.IRecordStore.CompactionDue"/>) goes on counting from there after a restart.
    /// </summary>
    public long SupersededBytes { get; set; }

    /// <summary>No version above this was handed out before the catalog was saved (the store's version lease).</summary>
    public long VersionLease { get; set; }

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
        // Inputs are range-checked before they reach the catalog; should a NaN or infinity slip through anyway, the
        // catalog stays writable (a float that JSON cannot hold once made every later catalog change fail).
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>[version:8][jsonLength:4][json]: the length is stored because FASTER may keep a longer value in place.</summary>
    public byte[] Serialize(long version)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(this, Json);
        var value = new byte[12 + json.Length];
        BitConverter.TryWriteBytes(value, version);
        BitConverter.TryWriteBytes(value.AsSpan(8), json.Length);
        json.CopyTo(value, 12);
        return value;
    }

    public static (Catalog Catalog, long Version) Deserialize(ReadOnlySpan<byte> value)
    {
        var length = BitConverter.ToInt32(value[8..]);
        return (JsonSerializer.Deserialize<Catalog>(value.Slice(12, length), Json) ?? new Catalog(), BitConverter.ToInt64(value));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    public static void ValidateName(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
            throw new StoreException(StoreError.InvalidArgument,
                $"{what} name '{name}' is invalid: use 1 to 64 letters, digits, '.', '_' or '-'");
    }
}
