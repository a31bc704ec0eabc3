using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Brings the record store up to the last acknowledged write: the checkpoint has been loaded; this
/// replays the write-ahead log's after-images that are newer than what the checkpoint holds, then
/// rebuilds the catalog's counters so that no row id is handed out twice.
/// </summary>
/// <remarks>
/// Every write logs its after-image under its key's write lock, with a version taken there (<see cref="IWriteLog"/>):
/// per key, the log's order, the order of the writes and the order of their versions are one order. So an entry
/// whose version the stored record already has or passed is in the checkpoint and is skipped, and a deletion's
/// version is kept as a marker for the rest of the replay: a set older than a deletion of its key never brings the
/// record back.
/// </remarks>
internal static class Recovery
{
    /// <summary>
    /// Replayed counts the log entries that were newer than the checkpoint, i.e. that changed something. Version is at
    /// least every version the store handed out before the crash: the highest of the log's entries, the catalog's and
    /// the version leases (see <see cref="Store"/>'s NextVersion).
    /// </summary>
    public sealed record Result(Catalog Catalog, long Version, long Replayed);

    public static Result Run(IRecordStore records, WriteAheadLog wal)
    {
        long maxVersion = 0;
        var createdRows = new List<(byte[] Key, long Version, RowOrigin Origin)>();
        var maxLocal = new Dictionary<int, long>();
        var deletedAt = new Dictionary<string, long>();
        var current = new byte[64];

        long StoredVersion(ReadOnlySpan<byte> key)
        {
            var length = records.Read(key, current);
            return length < 0 ? -1 : BitConverter.ToInt64(current);
        }

        long replayed = 0;
        var lease = wal.Replay(
            (key, value) =>
            {
                var version = BitConverter.ToInt64(value);
                maxVersion = Math.Max(maxVersion, version);
                // Every row id the log names was handed out, whether or not its entry still changes anything.
                if (key[0] == Keys.Row) NoteRowId(maxLocal, key);
                if (deletedAt.Count > 0 && deletedAt.TryGetValue(Convert.ToHexString(key), out var deleted) && deleted > version) return;
                var stored = StoredVersion(key);
                if (stored >= version) return;
                records.Upsert(key, value);
                replayed++;
                if (stored < 0 && key[0] == Keys.Row) createdRows.Add((key.ToArray(), version, RowRecord.Origin(value)));
            },
            (key, version) =>
            {
                maxVersion = Math.Max(maxVersion, version);
                var marker = Convert.ToHexString(key);
                deletedAt[marker] = Math.Max(version, deletedAt.GetValueOrDefault(marker));
                var stored = StoredVersion(key);
                if (stored < 0 || stored > version) return;
                records.Delete(key);
                replayed++;
            });

        var catalog = new Catalog();
        long catalogVersion = 0;
        var buffer = new byte[1 << 16];
        var length = records.Read(Keys.CatalogKey, buffer);
        if (length > buffer.Length)
        {
            buffer = new byte[length];
            length = records.Read(Keys.CatalogKey, buffer);
        }
        if (length > 0) (catalog, catalogVersion) = Catalog.Deserialize(buffer.AsSpan(0, length));

        // The catalog's counters already include rows written before it was saved, and rows evicted later are gone.
        var created = new Dictionary<int, (long Own, long Copies)>();
        foreach (var row in createdRows)
        {
            if (row.Version <= catalogVersion || records.Read(row.Key, current) < 0) continue;
            var space = Keys.SpaceOf(row.Key);
            created.TryGetValue(space, out var c);
            created[space] = row.Origin == RowOrigin.Copy ? (c.Own, c.Copies + 1) : (c.Own + 1, c.Copies);
        }
        foreach (var view in catalog.Views.Values)
        {
            // A row created after the catalog was saved can be in the checkpoint as well as in the log; its id is spent
            // either way, so the next id is past every id the log names.
            if (maxLocal.TryGetValue(view.Space, out var max)) view.NextLocal = Math.Max(view.NextLocal, max + 1);
            if (!created.TryGetValue(view.Space, out var c)) continue;
            view.OwnRows += c.Own;
            view.CopiedRows += c.Copies;
        }
        return new Result(catalog, Math.Max(Math.Max(maxVersion, catalogVersion), Math.Max(lease, catalog.VersionLease)), replayed);
    }

    /// <summary>Notes the local id of a row key whose id belongs to the key's own space (a view's own row).</summary>
    private static void NoteRowId(Dictionary<int, long> maxLocal, ReadOnlySpan<byte> key)
    {
        var space = Keys.SpaceOf(key);
        var rowId = BitConverter.ToInt64(key[5..]);
        if (Keys.OwnerOf(rowId) != space) return;
        maxLocal[space] = Math.Max(maxLocal.GetValueOrDefault(space, -1), Keys.LocalOf(rowId));
    }
}
