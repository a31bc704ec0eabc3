namespace VectorFormats;

/// <summary>
/// Streams the rows of a vector file, one at a time, without holding the file in memory.
/// Created by <c>VectorFileReader.Open</c>. Every malformed input raises <see cref="VectorFormatException"/>.
/// </summary>
public interface IVectorReader : IDisposable
{
    /// <summary>Vector length; known once the reader is open (from the header or the first line).</summary>
    int Dim { get; }

    /// <summary>Rows announced by the header, or null for formats without one (GloVe).</summary>
    long? DeclaredRows { get; }

    /// <summary>The format actually read (never Auto).</summary>
    VectorFormat Format { get; }

    /// <summary>
    /// Bytes of the stream parsed so far, for progress: read-ahead in the buffer does not count, and after
    /// the last row it equals the stream's length.
    /// </summary>
    long BytesRead { get; }

    /// <summary>
    /// Reads the next row into <paramref name="vector"/> (length Dim). Returns false at the end of the
    /// file, after checking that the row count matches the header. Rows come in file order, repeated
    /// tokens included: what a duplicate means is the caller's decision.
    /// </summary>
    /// <exception cref="VectorFormatException">The row, or the file's end, is malformed.</exception>
    bool TryReadRow(out string token, Span<float> vector);
}
