using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>
/// Enumerating the rows of a view's chain without a scan of the log: own rows are numbered densely per view,
/// and fine-tune copies keep the id of the base row they copy, so both are found by probing ids. Lazy, so that
/// a subscription or a snapshot holds one row at a time.
/// </summary>
public sealed partial class Store
{
    /// <summary>
    /// Every row with a record in one of the chain's view spaces, once each: the views' own rows, then the
    /// base rows a fine-tune view of the chain has copied.
    /// </summary>
    private IEnumerable<long> ViewRowIds(ViewChain chain)
    {
        var probe = new byte[RowRecord.HeaderLength];
        var key = new byte[Keys.RowKeyLength];
        bool Exists(int space, long id)
        {
            Keys.WriteRowKey(key, space, id);
            return _records.Read(key, probe) >= 0;
        }

        foreach (var id in OwnRowIds(chain))
            if (Exists(Keys.OwnerOf(id), id)) yield return id;
        var copySpaces = chain.Spaces[..^1].Where((_, i) => chain.MayHoldCopies[i]).ToArray();
        if (copySpaces.Length == 0) yield break;
        for (long local = 0; local < chain.Table.Rows; local++)
        {
            var id = Keys.MakeRowId(chain.Table.Space, local);
            foreach (var space in copySpaces)
            {
                if (!Exists(space, id)) continue;
                yield return id;
                break;
            }
        }
    }

    /// <summary>Every row the view can read: base rows, then each view's own rows (ids whose creation lost a race included).</summary>
    private IEnumerable<long> ReadableRowIds(ViewChain chain)
    {
        for (long local = 0; local < chain.Table.Rows; local++) yield return Keys.MakeRowId(chain.Table.Space, local);
        foreach (var id in OwnRowIds(chain)) yield return id;
    }

    /// <summary>The ids handed out so far by each view of the chain, nearest view first.</summary>
    private IEnumerable<long> OwnRowIds(ViewChain chain)
    {
        List<(int Space, long Next)> views;
        lock (_catalogLock)
        {
            views = [.. chain.Spaces[..^1].Select(space => _catalog.Views.Values.FirstOrDefault(v => v.Space == space))
                .Where(v => v is not null).Select(v => (v!.Space, Interlocked.Read(ref v.NextLocal)))];
        }
        foreach (var (space, next) in views)
            for (long local = 0; local < next; local++) yield return Keys.MakeRowId(space, local);
    }
}
