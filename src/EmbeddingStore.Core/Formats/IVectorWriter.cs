namespace EmbeddingStore.Core.Formats;

/// <summary>Writes word2vec files (binary or text) that gensim's load_word2vec_format reads back.</summary>
public interface IVectorWriter : IDisposable
{
    void WriteRow(string token, ReadOnlySpan<float> vector);
}
