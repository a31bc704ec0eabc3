using EmbeddingStore.Core;
using Grpc.Core;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// What ListTables, DescribeTable and ListViews show a key: the views its patterns reach, and the tables it can read
/// through one of them or names itself (PullCombined reads a table by name). Admin keys and keys without view patterns
/// see everything. A table hidden from a key reads as absent: NOT_FOUND with the core's own words for a missing table,
/// so that the answer does not tell a hidden table from a missing one.
/// </summary>
public sealed class Listings
{
    private readonly ApiKey? _key;
    private readonly Lazy<HashSet<string>> _tablesReached;

    private Listings(ApiKey? key, IEmbeddingStore store)
    {
        _key = key is null || key.Views is null || key.Has(Scope.Admin) ? null : key;
        _tablesReached = new(() => [.. store.ListViews(null).Where(v => ShowsView(v.Name)).Select(v => v.Table)]);
    }

    /// <summary>The listings of the call's key; everything when the server has no keys.</summary>
    public static Listings For(ServerCallContext context, IEmbeddingStore store) => new(CallerIdentity.KeyOf(context), store);

    public bool ShowsView(string view) => _key is null || _key.CoversView(view);

    public bool ShowsTable(string table) => _key is null || _key.CoversView(table) || _tablesReached.Value.Contains(table);

    /// <summary>The table with only the views this key may see.</summary>
    public TableInfo Filter(TableInfo table) => _key is null ? table : table with { Views = [.. table.Views.Where(ShowsView)] };

    /// <exception cref="StoreException">NotFound, as for a table that does not exist, when the key may not see it.</exception>
    public void RequireTable(string table)
    {
        if (!ShowsTable(table)) throw new StoreException(StoreError.NotFound, $"table '{table}' does not exist");
    }
}
