using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Brings the record store up to the last acknowledged write: the checkpoint has been loaded; this
/// replays the write-ahead log's after-images that are newer than what the checkpoint holds, then
/// rebuilds the catalog's counters so that no row id is handed out twice. Rows are added to a view's
/// counts only when newer than the catalog record: an older catalog save already counted them (a
/// snapshot's rows, for one, all predate the catalog record that publishes it).
/// </summary>
internal static class Recovery
{
    /// <summary>Replayed counts the log entries that were newer than the checkpoint, i.e. that changed something.</summary>
    public sealed record Result(Catalog Catalog, long Version, long Replayed);

    public static Result Run(IRecordStore records, WriteAheadLog wal)
    {
        long maxVersion = 0;
        var created = new List<(int Space, long Version, RowOrigin Origin, long Local)>();
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
                if (stored < 0 && key[0] == Keys.Row) Count(created, key, value);
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

        var views = catalog.Views.Values.ToDictionary(v => v.Space);
        foreach (var (space, version, origin, local) in created)
        {
            if (!views.TryGetValue(space, out var view)) continue;
            if (local >= 0) view.NextLocal = Math.Max(view.NextLocal, local + 1);
            if (version <= catalogVersion) continue;
            if (origin == RowOrigin.Copy) view.CopiedRows++;
            else view.OwnRows++;
        }
        return new Result(catalog, Math.Max(maxVersion, catalogVersion), replayed);
    }

    private static void Count(List<(int Space, long Version, RowOrigin Origin, long Local)> created, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var space = Keys.SpaceOf(key);
        var rowId = BitConverter.ToInt64(key[5..]);
        created.Add((space, RowRecord.Version(value), RowRecord.Origin(value), Keys.OwnerOf(rowId) == space ? Keys.LocalOf(rowId) : -1));
    }
}
