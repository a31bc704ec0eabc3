namespace EmbeddingStore.Core;

/// <summary>Read-only queries over views: similarity, sentence vectors and reads through several sources at once.</summary>
public partial interface IEmbeddingStore
{
    /// <summary>
    /// The rows most similar by cosine to a token or a vector, as read through the view; the query token itself is
    /// left out. NOT_FOUND for an unknown view or query token; INVALID_ARGUMENT for k outside 1..1000, a vector of
    /// the wrong length, or a zero query vector.
    /// </summary>
    NeighbourResult Neighbours(string view, NeighbourQuery query);

    /// <summary>
    /// The mean, or SIF-weighted mean, of each sentence's known word vectors. Unknown tokens are skipped, never
    /// created; a sentence without known tokens reads as zeros. <paramref name="sifA"/> 0 means 1e-3.
    /// </summary>
    SentenceVectorsResult SentenceVectors(string view, IReadOnlyList<IReadOnlyList<string>> sentences, SentenceWeighting weighting, float sifA);

    /// <summary>
    /// Per token, its vectors from each source (a view, or else a table read as a static view) concatenated in order.
    /// Unknown tokens fail (NOT_FOUND listing them), read each source's existing unk row (Unk; NOT_FOUND where there is
    /// none), or read as zeros (<paramref name="missingAsZeros"/>). Never creates rows: the Create policy is refused.
    /// </summary>
    CombinedPullResult PullCombined(IReadOnlyList<string> sources, IReadOnlyList<string> tokens, UnknownPolicy policy, bool missingAsZeros);
}
