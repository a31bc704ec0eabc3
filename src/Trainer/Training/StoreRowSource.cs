using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Grpc.Core;

namespace Trainer.Training;

/// <summary>
/// A model's rows in the embedding store, through its own views:
/// rand: a view over an empty table, every token a new random trainable row;
/// static: pretrained rows and new rows for unknown words, none trainable;
/// non-static: fine-tune view (copy-on-write of pretrained rows, new rows trainable);
/// multichannel: a static view over the table and a fine-tune view layered over it: both channels read the
/// same rows (unknown words are created once, in the static view) until the fine-tune view copies them;
/// overlay: pretrained rows frozen, new rows trainable.
/// Gradients go to the store's Adadelta (rho 0.95, eps 1e-6, as Kim).
/// </summary>
public sealed class StoreRowSource : IRowSource
{
    private readonly EmbeddingStoreClient _client;
    private readonly bool _cacheMain, _cacheStatic;
    private ImmutableRowCache? _cache, _staticCache;

    private StoreRowSource(EmbeddingStoreClient client, string view, string? staticView, int dim, bool cacheMain, bool cacheStatic)
    {
        _client = client;
        View = view;
        StaticView = staticView;
        Dim = dim;
        (_cacheMain, _cacheStatic) = (cacheMain, cacheStatic);
    }

    /// <summary>The view the model trains (and reads its non-static channel from).</summary>
    public string View { get; }

    /// <summary>The static channel's view (multichannel only).</summary>
    public string? StaticView { get; }

    /// <summary>Rows served from the trainer's caches of immutable rows, and rows pulled from the store.</summary>
    public (long Hits, long Misses) CachedRows =>
        ((_cache?.Hits ?? 0) + (_staticCache?.Hits ?? 0), (_cache?.Misses ?? 0) + (_staticCache?.Misses ?? 0));

    public int Dim { get; }
    public long PadId => 0;
    public bool HasStaticChannel => StaticView is not null;

    /// <summary>Creates the views for a model named <paramref name="model"/> over <paramref name="table"/> (ignored for rand).</summary>
    /// <param name="cacheImmutableRows">Keep the rows the store marks immutable and pull each once (<see cref="ImmutableRowCache"/>).</param>
    public static async Task<StoreRowSource> CreateAsync(EmbeddingStoreClient client, string model, Variant variant, string? table, int randDim,
        ulong seed, CancellationToken cancellationToken, bool cacheImmutableRows = true)
    {
        if (variant == Variant.Rand)
        {
            table = $"empty-{randDim}d";
            // Trainers started together may both create it; either way it exists afterwards.
            try { await client.CreateTableAsync(table, randDim, cancellationToken); }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists) { }
        }
        if (table is null) throw new ArgumentException($"CNN-{variant.Name()} needs a table of pretrained vectors (--table)");
        var dim = (await client.DescribeTableAsync(table, cancellationToken)).Dim;

        CreateViewRequest View(string name, TrainMode mode) => new()
        {
            Name = name,
            Table = table,
            Mode = mode,
            UnknownPolicy = UnknownPolicy.Create,
            Init = InitKind.Uniform,
            Seed = seed,
            Optimizer = new OptimizerConfig { Kind = OptimizerKind.Adadelta, Rho = 0.95f, Epsilon = 1e-6f, LearningRate = 1 },
        };
        string? staticView = null;
        if (variant == Variant.Multichannel)
        {
            staticView = model + "-static";
            await client.CreateViewAsync(View(staticView, TrainMode.Static), cancellationToken);
        }
        var main = variant switch
        {
            Variant.Static => View(model, TrainMode.Static),
            Variant.Overlay or Variant.Rand => View(model, TrainMode.Overlay),
            _ => View(model, TrainMode.FineTune),
        };
        // Setting the oneof's other case replaces the table parent.
        if (staticView is not null) main.View = staticView;
        await client.CreateViewAsync(main, cancellationToken);
        // A fine-tune view may copy any row it reads, so none it reads is immutable (the padding row aside): no cache for it.
        return new StoreRowSource(client, main.Name, staticView, dim,
            cacheMain: cacheImmutableRows && main.Mode != TrainMode.FineTune, cacheStatic: cacheImmutableRows && staticView is not null);
    }

    /// <summary>Opens existing views (e.g. a saved model's) without creating anything.</summary>
    public static StoreRowSource Open(EmbeddingStoreClient client, string view, string? staticView, int dim) =>
        new(client, view, staticView, dim, cacheMain: false, cacheStatic: false);

    public async Task<long[]> ResolveAsync(IReadOnlyList<string> tokens, CancellationToken cancellationToken)
    {
        // Unknown words are created in the static parent first, so the fine-tune child inherits them under the same ids.
        if (StaticView is not null) await _client.ResolveAsync(StaticView, tokens, UnknownPolicy.Unspecified, cancellationToken);
        var ids = await _client.ResolveAsync(View, tokens, UnknownPolicy.Unspecified, cancellationToken);
        // Room for every row the vocabulary reads, and the padding row.
        if (_cacheMain) _cache = new ImmutableRowCache(View, tokens.Count + 1);
        if (_cacheStatic) _staticCache = new ImmutableRowCache(StaticView!, tokens.Count + 1);
        return ids;
    }

    public async Task PullAsync(ReadOnlyMemory<long> ids, Memory<float> vectors, Memory<float> staticVectors, Memory<bool> trainable,
        CancellationToken cancellationToken)
    {
        var pull = _cache is null ? _client.PullAsync(View, ids, vectors, cancellationToken) : _client.PullAsync(_cache, ids, vectors, cancellationToken);
        if (StaticView is not null)
            await (_staticCache is null ? _client.PullAsync(StaticView, ids, staticVectors, cancellationToken) : _client.PullAsync(_staticCache, ids, staticVectors, cancellationToken));
        var meta = await pull;
        for (var i = 0; i < meta.Length; i++) trainable.Span[i] = meta[i].Trainable;
    }

    public async Task PushAsync(ReadOnlyMemory<long> ids, ReadOnlyMemory<float> gradients, Memory<float> rowsAfter, CancellationToken cancellationToken)
    {
        if (rowsAfter.IsEmpty) await _client.PushAsync(View, PushKind.Gradient, ids, gradients, OnFrozen.Refuse, Durability.Default, cancellationToken: cancellationToken);
        else await _client.PushAndReadAsync(View, PushKind.Gradient, ids, gradients, rowsAfter, OnFrozen.Refuse, Durability.Default, cancellationToken: cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
