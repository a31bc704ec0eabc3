using Grpc.Core;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

/// <summary>Sentence vectors: one row per sentence, and how many of its tokens the view knew.</summary>
public sealed record SentenceVectors(float[] Vectors, int Dim, int[] TokensUsed);

/// <summary>
/// A combined pull: per token, the vectors of every source side by side (<see cref="Dim"/> = sum of <see cref="Dims"/>),
/// and one <see cref="RowMeta"/> per token and source, token-major.
/// </summary>
public sealed record CombinedRows(float[] Vectors, int Dim, int[] Dims, RowMeta[] Meta);

public sealed partial class EmbeddingStoreClient
{
    /// <summary>The <paramref name="k"/> rows most similar by cosine to <paramref name="token"/> through <paramref name="view"/>, most similar first.</summary>
    /// <param name="restrict">Only the table's first rows (word2vec files list frequent words first) and the views' own rows; 0: all.</param>
    /// <exception cref="RpcException">NOT_FOUND (view, token), INVALID_ARGUMENT (k outside 1..1000).</exception>
    public async Task<NeighborsResponse> NeighboursAsync(string view, string token, int k = 10, long restrict = 0,
        CancellationToken cancellationToken = default) =>
        await Rows.NeighborsAsync(new NeighborsRequest { View = view, Token = token, K = k, Restrict = restrict }, Unary(cancellationToken));

    /// <summary>The <paramref name="k"/> rows most similar by cosine to <paramref name="vector"/> (of the view's dimension).</summary>
    /// <exception cref="RpcException">NOT_FOUND (view), INVALID_ARGUMENT (k, vector length, zero vector).</exception>
    public async Task<NeighborsResponse> NeighboursAsync(string view, ReadOnlyMemory<float> vector, int k = 10, long restrict = 0,
        CancellationToken cancellationToken = default) =>
        await Rows.NeighborsAsync(new NeighborsRequest { View = view, Vector = VectorPacking.Pack(vector.Span), K = k, Restrict = restrict },
            Unary(cancellationToken));

    /// <summary>
    /// The mean (or SIF-weighted mean) of each sentence's word vectors through <paramref name="view"/>. Tokens the view
    /// does not know are skipped, never created; a sentence without known tokens reads as zeros.
    /// </summary>
    /// <param name="sifA">SIF's a; 0 means 1e-3.</param>
    /// <exception cref="RpcException">NOT_FOUND (view), INVALID_ARGUMENT (sif_a, too many tokens).</exception>
    public async Task<SentenceVectors> SentenceVectorsAsync(string view, IEnumerable<IEnumerable<string>> sentences,
        SentenceWeighting weighting = SentenceWeighting.Mean, float sifA = 0, CancellationToken cancellationToken = default)
    {
        var request = new SentenceVectorsRequest { View = view, Weighting = weighting, SifA = sifA };
        foreach (var sentence in sentences) request.Sentences.Add(new Sentence { Tokens = { sentence } });
        var response = await Rows.SentenceVectorsAsync(request, Unary(cancellationToken));
        var vectors = new float[request.Sentences.Count * response.Dim];
        VectorPacking.Unpack(response.Vectors, request.Sentences.Count, response.Dim, vectors);
        return new SentenceVectors(vectors, response.Dim, [.. response.TokensUsed]);
    }

    /// <summary>
    /// Reads <paramref name="tokens"/> through several views or tables at once (a name is a view first, else a table)
    /// and returns, per token, their vectors concatenated in the order of <paramref name="sources"/>.
    /// </summary>
    /// <param name="policy">FAIL (default) or UNK: each source's existing unk row; CREATE is refused.</param>
    /// <param name="missingAsZeros">Unknown tokens read as zeros in that source instead of following the policy.</param>
    /// <exception cref="RpcException">NOT_FOUND (a source, unknown tokens under FAIL), INVALID_ARGUMENT.</exception>
    public async Task<CombinedRows> PullCombinedAsync(IReadOnlyList<string> sources, IReadOnlyList<string> tokens,
        UnknownPolicy policy = UnknownPolicy.Unspecified, bool missingAsZeros = false, CancellationToken cancellationToken = default)
    {
        var request = new PullCombinedRequest { UnknownPolicy = policy, MissingAsZeros = missingAsZeros };
        request.Sources.AddRange(sources);
        request.Tokens.AddRange(tokens);
        var response = await Rows.PullCombinedAsync(request, Unary(cancellationToken));
        var vectors = new float[tokens.Count * response.Dim];
        VectorPacking.Unpack(response.Vectors, tokens.Count, response.Dim, vectors);
        return new CombinedRows(vectors, response.Dim, [.. response.Dims], [.. response.Rows]);
    }
}
