namespace EmbeddingStore.Core;

/// <summary>Tables and views: create, list, describe, delete.</summary>
public sealed partial class Store
{
    public const int MaxDim = 4096;

    /// <summary>Kim (2014) used U[-0.25, 0.25] for words without a pretrained vector; tables without rows fall back to it.</summary>
    private const float FallbackUniformA = 0.25f;

    public TableInfo CreateTable(string name, int dim)
    {
        _disk.EnsureRoomForWrite();
        Catalog.ValidateName(name, "table");
        if (dim < 1 || dim > MaxDim)
            throw new StoreException(StoreError.InvalidArgument, $"dimension {dim} is outside 1..{MaxDim}");
        lock (_catalogLock)
        {
            if (_catalog.Tables.ContainsKey(name))
                throw new StoreException(StoreError.AlreadyExists, $"table '{name}' already exists");
            var entry = new TableEntry
            {
                Name = name,
                Space = _catalog.NextSpace++,
                Dim = dim,
                VarianceMatchedA = FallbackUniformA,
                StdDev = FallbackUniformA / MathF.Sqrt(3),
                Source = "empty",
                CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                Ready = true,
            };
            _catalog.Tables[name] = entry;
            SaveCatalogLocked();
        }
        CommitCatalog();
        return DescribeTable(name);
    }

    public IReadOnlyList<TableInfo> ListTables()
    {
        lock (_catalogLock)
            return _catalog.Tables.Values.Where(t => t.Ready).OrderBy(t => t.Name, StringComparer.Ordinal).Select(ToInfoLocked).ToList();
    }

    public TableInfo DescribeTable(string name)
    {
        lock (_catalogLock) return ToInfoLocked(TableLocked(name));
    }

    public long DeleteTable(string name)
    {
        long records;
        lock (_catalogLock)
        {
            var table = TableLocked(name);
            var views = _catalog.Views.Values.Where(v => v.ParentTable == name).Select(v => v.Name).ToList();
            if (views.Count > 0)
                throw new StoreException(StoreError.FailedPrecondition,
                    $"table '{name}' is read by views {string.Join(", ", views)}: delete them first");
            _catalog.Tables.Remove(name);
            _catalog.Retired.Add(table.Space);
            records = 2 * table.Rows;
            SaveCatalogLocked();
        }
        CommitCatalog();
        return records;
    }

    public ViewInfo CreateView(ViewSpec spec)
    {
        _disk.EnsureRoomForWrite();
        Catalog.ValidateName(spec.Name, "view");
        if ((spec.ParentTable is null) == (spec.ParentView is null))
            throw new StoreException(StoreError.InvalidArgument, "a view needs exactly one parent: a table or a view");
        if (!Enum.IsDefined(spec.Mode)) throw new StoreException(StoreError.InvalidArgument, $"unknown train mode {spec.Mode}");
        if (spec.UnknownPolicy == UnknownPolicy.Default || !Enum.IsDefined(spec.UnknownPolicy))
            throw new StoreException(StoreError.InvalidArgument, $"a view needs an unknown-token policy (fail, unk or create), not {spec.UnknownPolicy}");
        if (!Enum.IsDefined(spec.Init)) throw new StoreException(StoreError.InvalidArgument, $"unknown init kind {spec.Init}");
        if (spec.InitScale < 0 || !float.IsFinite(spec.InitScale))
            throw new StoreException(StoreError.InvalidArgument, $"init scale {spec.InitScale} must be a finite number >= 0");
        if (spec.Init == InitKind.Copy && string.IsNullOrEmpty(spec.InitCopyToken))
            throw new StoreException(StoreError.InvalidArgument, "init 'copy' needs the token to copy");
        if (string.IsNullOrEmpty(spec.PadToken) || string.IsNullOrEmpty(spec.UnkToken) || spec.PadToken == spec.UnkToken)
            throw new StoreException(StoreError.InvalidArgument, "pad and unk tokens must be non-empty and different");
        ValidateToken(spec.PadToken);
        ValidateToken(spec.UnkToken);
        if (CreatableTokenProblem(spec.UnkToken) is { } unkProblem) throw new StoreException(StoreError.InvalidArgument, $"unk token: {unkProblem}");
        OverlayHygiene.Validate(spec);
        var optimizer = (spec.Optimizer ?? new OptimizerSettings()).WithDefaults().Validated();

        lock (_catalogLock)
        {
            if (_catalog.Views.ContainsKey(spec.Name))
                throw new StoreException(StoreError.AlreadyExists, $"view '{spec.Name}' already exists");
            string table;
            int dim;
            if (spec.ParentTable is not null)
            {
                var t = TableLocked(spec.ParentTable);
                (table, dim) = (t.Name, t.Dim);
            }
            else
            {
                if (!_catalog.Views.TryGetValue(spec.ParentView!, out var parent))
                    throw new StoreException(StoreError.NotFound, $"parent view '{spec.ParentView}' does not exist");
                (table, dim) = (parent.Table, parent.Dim);
            }
            var entry = new ViewEntry
            {
                Name = spec.Name,
                Space = _catalog.NextSpace++,
                ParentTable = spec.ParentTable,
                ParentView = spec.ParentView,
                Table = table,
                Dim = dim,
                Mode = spec.Mode,
                UnknownPolicy = spec.UnknownPolicy,
                Init = spec.Init,
                InitScale = spec.InitScale,
                InitCopyToken = spec.InitCopyToken,
                Optimizer = optimizer,
                PadToken = spec.PadToken,
                UnkToken = spec.UnkToken,
                Seed = spec.Seed,
                MinCount = spec.MinCount,
                EvictUnusedAfterMs = spec.EvictUnusedAfterMs,
                CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            _catalog.Views[spec.Name] = entry;
            try { SaveCatalogLocked(); }
            catch
            {
                // A view the catalog could not record is not created: nothing of it stays listed.
                _catalog.Views.Remove(spec.Name);
                throw;
            }
        }
        CommitCatalog();
        return DescribeView(spec.Name);
    }

    public IReadOnlyList<ViewInfo> ListViews(string? table)
    {
        lock (_catalogLock)
        {
            if (table is not null) TableLocked(table);
            return _catalog.Views.Values.Where(v => table is null || v.Table == table)
                .OrderBy(v => v.Name, StringComparer.Ordinal).Select(ToInfoLocked).ToList();
        }
    }

    public ViewInfo DescribeView(string name)
    {
        lock (_catalogLock)
        {
            if (!_catalog.Views.TryGetValue(name, out var view))
                throw new StoreException(StoreError.NotFound, $"view '{name}' does not exist");
            return ToInfoLocked(view);
        }
    }

    public long DeleteView(string name)
    {
        long records;
        lock (_catalogLock)
        {
            if (!_catalog.Views.TryGetValue(name, out var view))
                throw new StoreException(StoreError.NotFound, $"view '{name}' does not exist");
            var children = _catalog.Views.Values.Where(v => v.ParentView == name).Select(v => v.Name).ToList();
            if (children.Count > 0)
                throw new StoreException(StoreError.FailedPrecondition,
                    $"views {string.Join(", ", children)} are layered over view '{name}': delete them first");
            _catalog.Views.Remove(name);
            _catalog.Retired.Add(view.Space);
            _chains.TryRemove(name, out _);
            records = 2 * Interlocked.Read(ref view.OwnRows) + Interlocked.Read(ref view.CopiedRows);
            SaveCatalogLocked();
        }
        CommitCatalog();
        _feed.Wake();
        return records;
    }

    private TableEntry TableLocked(string name) =>
        _catalog.Tables.TryGetValue(name, out var table) && table.Ready
            ? table
            : throw new StoreException(StoreError.NotFound, $"table '{name}' does not exist");

    private TableInfo ToInfoLocked(TableEntry t) => new(
        t.Name, t.Dim, t.Rows, t.VarianceMatchedA, t.StoredBytes, t.Source, t.CreatedUnixMs,
        _catalog.Views.Values.Where(v => v.ParentTable == t.Name).Select(v => v.Name).OrderBy(n => n, StringComparer.Ordinal).ToList());

    private ViewInfo ToInfoLocked(ViewEntry v)
    {
        var own = Interlocked.Read(ref v.OwnRows);
        var copies = Interlocked.Read(ref v.CopiedRows);
        var slots = v.Optimizer.StateSlots;
        // Estimate: the row records (vector, optimizer state, an average token) plus their keys and token records.
        var stored = own * (Storage.RowRecord.Length(v.Dim, slots, 8) + 13 + 40) + copies * (Storage.RowRecord.Length(v.Dim, slots, 8) + 13);
        return new ViewInfo(v.Name, v.Table, v.ParentView, v.Dim, v.Mode, v.UnknownPolicy, v.Init, v.InitScale, v.InitCopyToken,
            v.Optimizer, v.PadToken, v.UnkToken, v.Seed, own, copies, _catalog.Tables[v.Table].Rows, stored, v.CreatedUnixMs)
        {
            SnapshotOf = v.SnapshotOf,
            SnapshotVersion = v.SnapshotVersion,
            MinCount = v.MinCount,
            EvictUnusedAfterMs = v.EvictUnusedAfterMs,
            PendingTokens = PendingCount(v),
            EvictedRows = Interlocked.Read(ref v.EvictedRows),
        };
    }
}
