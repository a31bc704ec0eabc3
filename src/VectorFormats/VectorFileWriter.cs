namespace VectorFormats;

public static class VectorFileWriter
{
    /// <summary>
    /// Writes the "ROWS DIM\n" header and returns a writer for exactly <paramref name="rows"/> rows.
    /// Binary rows are the token, a space, Dim little-endian float32 and "\n" (the C word2vec tool's
    /// layout; gensim writes no "\n" but skips it when reading). Text rows are "token v1 ... vDim\n" with
    /// shortest round-trip invariant-culture numbers.
    /// </summary>
    /// <remarks>
    /// Disposing flushes, closes the stream unless <paramref name="leaveOpen"/>, and then throws
    /// <see cref="InvalidOperationException"/> if fewer rows than declared were written, because the
    /// header would lie. That exception replaces any exception already leaving a <c>using</c> block.
    /// </remarks>
    public static IVectorWriter Create(Stream stream, bool binary, long rows, int dim, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream must be writable.", nameof(stream));
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dim, RowParsing.MaxDim);
        return new Word2VecWriter(stream, leaveOpen, binary, rows, dim);
    }
}
