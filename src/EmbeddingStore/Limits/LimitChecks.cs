using EmbeddingStore.Core;

namespace EmbeddingStore.Server.Limits;

/// <summary>
/// The per-request checks of <see cref="StoreLimits"/>. Every refusal names the limit, the value and the flag that
/// raises it, e.g. "tokens per request: 200001 > limit 100000 (--max-tokens-per-request)".
/// </summary>
public static class LimitChecks
{
    public static void CheckRows(this StoreLimits limits, int rows) =>
        Check(rows, limits.MaxRowsPerRequest, "rows per request", "--max-rows-per-request");

    public static void CheckFloats(this StoreLimits limits, long floats) =>
        Check(floats, limits.MaxFloatsPerRequest, "floats per request", "--max-floats-per-request");

    public static void CheckDim(this StoreLimits limits, int dim) =>
        Check(dim, limits.MaxDim, "dimension", "--max-dim");

    /// <summary>The number of tokens and the length of each.</summary>
    public static void CheckTokens(this StoreLimits limits, IReadOnlyList<string> tokens)
    {
        Check(tokens.Count, limits.MaxTokensPerRequest, "tokens per request", "--max-tokens-per-request");
        for (var i = 0; i < tokens.Count; i++)
            if (tokens[i].Length > limits.MaxTokenLength)
                throw new StoreException(StoreError.InvalidArgument,
                    $"token length: {tokens[i].Length} > limit {limits.MaxTokenLength} (--max-token-length), token #{i}");
    }

    private static void Check(long value, long limit, string what, string flag)
    {
        if (value > limit) throw new StoreException(StoreError.InvalidArgument, $"{what}: {value} > limit {limit} ({flag})");
    }
}
