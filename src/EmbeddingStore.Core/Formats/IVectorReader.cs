namespace EmbeddingStore.Core.Formats;

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

    /// <summary>Bytes consumed from the underlying stream so far, for progress.</summary>
    long BytesRead { get; }

    /// <summary>
    /// Reads the next row into <paramref name="vector"/> (length Dim). Returns false at the end of the
    /// file, after checking that the row count matches the header.
    /// </summary>
    bool TryReadRow(out string token, Span<float> vector);
}
