namespace EmbeddingStore.Core;

/// <summary>Combined lookups: one read through several views or tables, their vectors side by side per token.</summary>
public sealed partial class Store
{
    /// <summary>Meta of a token that read as zeros because a source does not know it.</summary>
    private static readonly RowMeta Missing = default;

    public CombinedPullResult PullCombined(IReadOnlyList<string> sources, IReadOnlyList<string> tokens, UnknownPolicy policy, bool missingAsZeros)
    {
        if (sources.Count == 0) throw new StoreException(StoreError.InvalidArgument, "give at least one source");
        if (policy == UnknownPolicy.Create)
            throw new StoreException(StoreError.InvalidArgument, "a combined pull reads only: the create policy is not allowed");
        if (policy == UnknownPolicy.Default) policy = UnknownPolicy.Fail;
        var chains = sources.Select(SourceChain).ToArray();
        var ids = Resolve(chains, tokens, policy, missingAsZeros);

        var dims = chains.Select(c => c.Dim).ToArray();
        var dim = dims.Sum();
        var vectors = new float[tokens.Count * dim];
        var meta = new RowMeta[tokens.Count * chains.Length];
        var scratch = new byte[chains.Max(ViewRecords.RecordCapacity)];
        for (var t = 0; t < tokens.Count; t++)
        {
            var offset = t * dim;
            for (var s = 0; s < chains.Length; s++)
            {
                var id = ids[t * chains.Length + s];
                var destination = vectors.AsSpan(offset, dims[s]);
                offset += dims[s];
                if (id < 0)
                {
                    meta[t * chains.Length + s] = Missing;
                    continue;
                }
                var row = ReadVector(chains[s], id, destination, scratch);
                if (IsTable(chains[s])) row = row with { Own = false };
                else if (row.Own) NoteUse(chains[s], id);
                meta[t * chains.Length + s] = row;
            }
        }
        return new CombinedPullResult(dims, vectors, meta);
    }

    /// <summary>Row ids, token-major, -1 where a missing token reads as zeros; every unknown token is reported at once.</summary>
    private long[] Resolve(ViewChain[] chains, IReadOnlyList<string> tokens, UnknownPolicy policy, bool missingAsZeros)
    {
        var ids = new long[tokens.Count * chains.Length];
        List<string>? unknown = null;
        for (var t = 0; t < tokens.Count; t++)
        {
            var token = tokens[t];
            ValidateToken(token);
            for (var s = 0; s < chains.Length; s++)
            {
                var chain = chains[s];
                var id = token == chain.View.PadToken ? PadRowId : _viewRecords.FindToken(chain, token);
                if (id < 0 && missingAsZeros) id = -1;
                else if (id < 0 && policy == UnknownPolicy.Unk) id = UnkRow(chain);
                else if (id < 0) (unknown ??= []).Add($"'{token}' in {chain.View.Name}");
                ids[t * chains.Length + s] = id;
            }
        }
        if (unknown is not null)
            throw new StoreException(StoreError.NotFound,
                $"{unknown.Count} unknown token(s): {string.Join(", ", unknown.Take(20))}{(unknown.Count > 20 ? ", ..." : "")}");
        return ids;
    }

    /// <summary>The source's unk row if it has one: a combined pull only reads, so it never creates one.</summary>
    private long UnkRow(ViewChain chain)
    {
        var id = _viewRecords.FindToken(chain, chain.View.UnkToken);
        return id >= 0 ? id : throw new StoreException(StoreError.NotFound,
            $"'{chain.View.Name}' has no '{chain.View.UnkToken}' row yet (a view creates it on its first unk resolve): ask for missing tokens as zeros instead");
    }

    /// <summary>A view by that name, else the table read as a static view.</summary>
    private ViewChain SourceChain(string name)
    {
        TableEntry table;
        lock (_catalogLock)
        {
            if (_catalog.Views.ContainsKey(name)) return Chain(name);
            if (!_catalog.Tables.TryGetValue(name, out table!) || !table.Ready)
                throw new StoreException(StoreError.NotFound, $"no view or table is named '{name}'");
        }
        return new ViewChain
        {
            View = new ViewEntry
            {
                Name = table.Name,
                Space = table.Space,
                Table = table.Name,
                Dim = table.Dim,
                Mode = TrainMode.Static,
                UnknownPolicy = UnknownPolicy.Fail,
                Optimizer = new OptimizerSettings(OptimizerKind.Sgd),
                PadToken = "<pad>",
                UnkToken = "<unk>",
            },
            Table = table,
            Spaces = [table.Space],
            MayHoldCopies = [false],
            ReadsNeverChange = [true],
            Slots = 0,
        };
    }

    private static bool IsTable(ViewChain chain) => chain.View.Space == chain.Table.Space;
}
