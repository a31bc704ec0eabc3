using System.Numerics.Tensors;

namespace EmbeddingStore.Core;

/// <summary>Nearest neighbours by cosine: exact search over a per-view cache of unit vectors, kept current by writes.</summary>
public sealed partial class Store
{
    public const int MaxNeighbours = 1000;
    private const int DefaultNeighbours = 10;

    private readonly object _indexLock = new();
    private readonly Dictionary<int, Lazy<NeighbourIndex>> _indexByView = [];
    /// <summary>Read on every write without a lock; replaced, never changed, under <see cref="_indexLock"/>.</summary>
    private NeighbourIndex[] _indexes = [];

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
            exclude = FindToken(chain, token);
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

        var index = IndexOf(chain);
        index.Refresh(Reader(chain));
        return index.Search(vector, k, query.Restrict, exclude);
    }

    /// <summary>The view's index, built on its first query; registered with writers before it reads any row.</summary>
    private NeighbourIndex IndexOf(ViewChain chain)
    {
        Lazy<NeighbourIndex> lazy;
        lock (_indexLock)
        {
            if (!_indexByView.TryGetValue(chain.View.Space, out lazy!))
            {
                lazy = new Lazy<NeighbourIndex>(() =>
                {
                    var index = new NeighbourIndex(chain.View.Space, chain.Spaces[..^1], chain.Dim, chain.Table.Rows);
                    lock (_indexLock) _indexes = [.. _indexes, index];
                    index.Load(ExportedIds(chain), Reader(chain));
                    return index;
                });
                _indexByView[chain.View.Space] = lazy;
            }
        }
        return lazy.Value;
    }

    private RowReader Reader(ViewChain chain)
    {
        var scratch = new byte[RecordCapacity(chain)];
        return (id, destination) =>
        {
            if (ReadRecord(chain, id, scratch) is NotReadable or PadPosition) return null;
            Storage.RowRecord.Vector((ReadOnlySpan<byte>)scratch).CopyTo(destination);
            return Storage.RowRecord.Token(scratch);
        };
    }

    /// <summary>Tells the neighbour indexes that read <paramref name="space"/> that a row there was written or removed.</summary>
    private void NoteChanged(int space, long id)
    {
        foreach (var index in Volatile.Read(ref _indexes))
            if (Array.IndexOf(index.Watched, space) >= 0) index.MarkDirty(id);
    }

    /// <summary>Forgets the indexes of deleted views.</summary>
    private void DropIndexes(IReadOnlySet<int> liveViews)
    {
        lock (_indexLock)
        {
            foreach (var space in _indexByView.Keys.Where(s => !liveViews.Contains(s)).ToList()) _indexByView.Remove(space);
            _indexes = [.. _indexes.Where(i => liveViews.Contains(i.Space))];
        }
    }
}
