namespace EmbeddingStore.Core;

/// <summary>A neighbour query: a token read through the view, or a vector of the view's dimension.</summary>
public sealed record NeighbourQuery(string? Token, float[]? Vector, int K = 10, long Restrict = 0);

public sealed record Neighbour(string Token, long Id, float Similarity);

/// <summary>Neighbours, most similar first, and the number of rows compared.</summary>
public sealed record NeighbourResult(IReadOnlyList<Neighbour> Neighbours, long Candidates);

public enum SentenceWeighting { Mean = 0, Sif = 1 }

/// <summary>One vector per sentence (sentences * Dim floats) and the number of tokens each one averaged.</summary>
public sealed record SentenceVectorsResult(int Dim, float[] Vectors, int[] TokensUsed);

/// <summary>Per token, the vectors of every source side by side; Meta is token-major, one entry per (token, source).</summary>
public sealed record CombinedPullResult(int[] Dims, float[] Vectors, RowMeta[] Meta)
{
    public int Dim => Dims.Sum();
}
