namespace VectorFormats;

public enum VectorFormat
{
    /// <summary>Detected from the first bytes of the file.</summary>
    Auto = 0,
    /// <summary>word2vec binary: "ROWS DIM\n", then per row the token, a space, DIM little-endian float32, optional "\n".</summary>
    Word2VecBinary = 1,
    /// <summary>word2vec text and fastText .vec: "ROWS DIM\n", then "token v1 ... vDIM" lines.</summary>
    Word2VecText = 2,
    /// <summary>GloVe text: no header, "token v1 ... vDIM" lines.</summary>
    GloveText = 3,
}

/// <summary>
/// A malformed vector file. The message names the source, the line (text formats) or byte offset
/// (binary format), and the problem, e.g. "glove.txt: line 12: expected 100 values, found 99".
/// </summary>
public sealed class VectorFormatException(string source, string location, string problem)
    : Exception($"{source}: {location}: {problem}")
{
    public string SourceName { get; } = source;
    public string Location { get; } = location;
    public string Problem { get; } = problem;
}
