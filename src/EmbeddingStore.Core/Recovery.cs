using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Brings the record store up to the last acknowledged write: the checkpoint has been loaded; this
/// replays the write-ahead log's after-images that are newer than what the checkpoint holds, then
/// rebuilds the catalog's counters so that no row id is handed out twice.
/// </summary>
internal static class Recovery
{
    /// <summary>Replayed counts the log entries that were newer than the checkpoint, i.e. that changed something.</summary>
    public sealed record Result(Catalog Catalog, long Version, long Replayed);

    public static Result Run(IRecordStore records, WriteAheadLog wal)
    {
        long maxVersion = 0;
        var createdRows = new List<(byte[] Key, long Version, RowOrigin Origin)>();
        var current = new byte[64];

        long StoredVersion(ReadOnlySpan<byte> key)
        {
            var length = records.Read(key, current);
            return length < 0 ? -1 : BitConverter.ToInt64(current);
        }

        long replayed = 0;
        wal.Replay(
            (key, value) =>
            {
                var version = BitConverter.ToInt64(value);
                maxVersion = Math.Max(maxVersion, version);
                var stored = StoredVersion(key);
                if (stored >= version) return;
                records.Upsert(key, value);
                replayed++;
                if (stored < 0 && key[0] == Keys.Row) createdRows.Add((key.ToArray(), version, RowRecord.Origin(value)));
            },
            (key, version) =>
            {
                maxVersion = Math.Max(maxVersion, version);
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

        // The catalog's counters already include rows written before it was saved, and rows evicted later are gone;
        // every id seen is still spent, so none is handed out twice.
        var created = new Dictionary<int, (long Own, long Copies, long MaxLocal)>();
        foreach (var row in createdRows)
            Count(created, row.Key, row.Origin, row.Version > catalogVersion && records.Read(row.Key, current) >= 0);

        foreach (var view in catalog.Views.Values)
        {
            if (!created.TryGetValue(view.Space, out var c)) continue;
            view.NextLocal = Math.Max(view.NextLocal, c.MaxLocal + 1);
            view.OwnRows += c.Own;
            view.CopiedRows += c.Copies;
        }
        return new Result(catalog, Math.Max(maxVersion, catalogVersion), replayed);
    }

    private static void Count(Dictionary<int, (long Own, long Copies, long MaxLocal)> created, ReadOnlySpan<byte> key, RowOrigin origin, bool counts)
    {
        var space = Keys.SpaceOf(key);
        var rowId = BitConverter.ToInt64(key[5..]);
        created.TryGetValue(space, out var c);
        if (counts && origin == RowOrigin.Copy) c.Copies++;
        else if (counts) c.Own++;
        if (Keys.OwnerOf(rowId) == space) c.MaxLocal = Math.Max(c.MaxLocal, Keys.LocalOf(rowId));
        created[space] = c;
    }
}
