using System.Numerics.Tensors;

namespace EmbeddingStore.Core;

/// <summary>Nearest neighbours by cosine: exact search over a per-view cache of unit vectors, kept current by writes.</summary>
public sealed partial class Store
{
    public const int MaxNeighbours = 1000;
    private const int DefaultNeighbours = 10;

    private NeighbourCaches Caches => _neighbourCaches;

    /// <summary>Bytes the neighbour caches hold (tests).</summary>
    internal long NeighbourCacheBytes => Caches.Bytes;

    /// <summary>Whether a neighbour cache is held for a table's or view's space (tests).</summary>
    internal bool HoldsNeighbourCacheForTests(string tableOrView)
    {
        lock (_catalogLock)
        {
            var space = _catalog.Views.TryGetValue(tableOrView, out var view) ? view.Space : _catalog.Tables[tableOrView].Space;
            return Caches.Holds(space);
        }
    }

    /// <summary>Whether a write marked the row in the view's neighbour cache since its last query (tests); false without a cache.</summary>
    internal bool NeighbourCacheMarkedForTests(string view, long id)
    {
        var space = Chain(view).View.Space;
        return Caches.Views.Any(rows => rows.Space == space && rows.IsMarkedDirty(id));
    }

    public NeighbourResult Neighbours(string view, NeighbourQuery query)
    {
        var chain = Chain(view);
        var k = query.K == 0 ? DefaultNeighbours : query.K;
        if (k < 1 || k > MaxNeighbours) throw new StoreException(StoreError.InvalidArgument, $"k {query.K} is outside 1..{MaxNeighbours}");
        if (query.Restrict < 0) throw new StoreException(StoreError.InvalidArgument, $"restrict {query.Restrict} must be >= 0");
        var vector = new float[chain.Dim];
        var exclude = long.MinValue;
        if (query.Token is { } token)
        {
            ValidateToken(token);
            exclude = _viewRecords.FindToken(chain, token);
            if (exclude < 0 || token == chain.View.PadToken)
                throw new StoreException(StoreError.NotFound, $"token '{token}' is unknown in view '{view}'");
            ReadVector(chain, exclude, vector);
        }
        else
        {
            if (query.Vector is null || query.Vector.Length != chain.Dim)
                throw new StoreException(StoreError.InvalidArgument, $"the query vector needs {chain.Dim} floats, not {query.Vector?.Length ?? 0}");
            if (!query.Vector.All(float.IsFinite)) throw new StoreException(StoreError.InvalidArgument, "the query vector holds NaN or Inf");
            query.Vector.CopyTo(vector, 0);
        }
        var norm = TensorPrimitives.Norm(vector);
        if (norm == 0) throw new StoreException(StoreError.InvalidArgument, "the query vector is zero: its cosine with any row is undefined");
        TensorPrimitives.Divide(vector, norm, vector);

        var table = Caches.Table(chain.Table, t => t.Load(BaseRowReader(chain.Table)));
        var rows = ViewVectors(chain);
        rows.Refresh(Reader(chain));
        Caches.Measure(rows);
        return rows.Search(table, vector, k, query.Restrict, exclude);
    }

    /// <summary>The records of the view's chain of views, read on its first query; registered with writers before it reads any row.</summary>
    private ViewRowVectors ViewVectors(ViewChain chain)
    {
        long estimate;
        lock (_catalogLock)
        {
            estimate = chain.Spaces[..^1].Select(s => _catalog.Views.Values.FirstOrDefault(v => v.Space == s)).Where(v => v is not null)
                .Sum(v => Interlocked.Read(ref v!.OwnRows) + Interlocked.Read(ref v.CopiedRows));
        }
        return Caches.View(chain, estimate, rows => rows.Load(ViewRowIds(chain), Reader(chain)));
    }

    private RowReader Reader(ViewChain chain)
    {
        var scratch = new byte[ViewRecords.RecordCapacity(chain)];
        var table = chain.Spaces.Length - 1;
        return (long id, Span<float> destination, out bool fromTable) =>
        {
            var position = _viewRecords.Read(chain, id, scratch);
            fromTable = position == table;
            if (position is ViewRecords.NotReadable or ViewRecords.PadPosition) return null;
            Storage.RowRecord.Vector((ReadOnlySpan<byte>)scratch).CopyTo(destination);
            return Storage.RowRecord.Token(scratch);
        };
    }

    /// <summary>Reads a table's own record of a base row.</summary>
    private RowReader BaseRowReader(TableEntry table)
    {
        var scratch = new byte[Storage.RowRecord.Length(table.Dim, 2, MaxTokenBytes * 4) + 64];
        var key = new byte[Storage.Keys.RowKeyLength];
        return (long id, Span<float> destination, out bool fromTable) =>
        {
            fromTable = true;
            Storage.Keys.WriteRowKey(key, table.Space, id);
            var length = _records.Read(key, scratch);
            if (length < 0) return null;
            if (length > scratch.Length) throw new InvalidOperationException($"row {id} is larger than its buffer");
            Storage.RowRecord.Vector((ReadOnlySpan<byte>)scratch).CopyTo(destination);
            return Storage.RowRecord.Token(scratch);
        };
    }

    /// <summary>Forgets the caches of deleted tables and views.</summary>
    private void DropIndexes(IReadOnlySet<int> liveSpaces) => Caches.Retain(liveSpaces);
}
