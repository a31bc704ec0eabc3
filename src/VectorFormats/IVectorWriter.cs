namespace VectorFormats;

/// <summary>
/// Writes word2vec files (binary or text) that gensim's load_word2vec_format and this project's readers
/// read back. Created by <c>VectorFileWriter.Create</c> with the row count the header announces.
/// </summary>
public interface IVectorWriter : IDisposable
{
    /// <summary>Appends one row; nothing is written when an argument is refused.</summary>
    /// <exception cref="ArgumentException">
    /// The token is empty, holds a space, '\n' or '\r', or is not valid UTF-16; the vector's length is
    /// not Dim; or a value is NaN or infinite (readers refuse those).
    /// </exception>
    /// <exception cref="InvalidOperationException">All the rows the header declares are already written.</exception>
    void WriteRow(string token, ReadOnlySpan<float> vector);
}
