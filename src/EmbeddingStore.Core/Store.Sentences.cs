using System.Numerics.Tensors;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Core;

/// <summary>Sentence vectors: the plain or SIF-weighted mean of a sentence's word vectors through a view.</summary>
public sealed partial class Store
{
    private const float DefaultSifA = 1e-3f;

    public SentenceVectorsResult SentenceVectors(string view, IReadOnlyList<IReadOnlyList<string>> sentences, SentenceWeighting weighting, float sifA)
    {
        var chain = Chain(view);
        if (!Enum.IsDefined(weighting)) throw new StoreException(StoreError.InvalidArgument, $"unknown weighting {weighting}");
        if (sifA < 0 || !float.IsFinite(sifA)) throw new StoreException(StoreError.InvalidArgument, $"sif_a {sifA} must be a finite number >= 0");
        var a = sifA == 0 ? DefaultSifA : sifA;
        var dim = chain.Dim;
        var vectors = new float[sentences.Count * dim];
        var used = new int[sentences.Count];
        var row = new float[dim];
        var scratch = new byte[ViewRecords.RecordCapacity(chain)];
        var frequency = new ZipfFrequency(chain.Table.Rows);
        for (var s = 0; s < sentences.Count; s++)
        {
            var sum = vectors.AsSpan(s * dim, dim);
            foreach (var token in sentences[s])
            {
                ValidateToken(token);
                if (token == chain.View.PadToken) continue;
                var id = _viewRecords.FindToken(chain, token);
                if (id < 0) continue;
                if (ReadVector(chain, id, row, scratch).Own) NoteUse(chain, id);
                var weight = weighting == SentenceWeighting.Mean ? 1f
                    : a / (a + frequency.Of(Keys.OwnerOf(id) == chain.Table.Space ? Keys.LocalOf(id) + 1 : frequency.Rarest));
                TensorPrimitives.MultiplyAdd(row, weight, sum, sum);
                used[s]++;
            }
            if (used[s] > 0) TensorPrimitives.Divide(sum, used[s], sum);
        }
        return new SentenceVectorsResult(dim, vectors, used);
    }

    /// <summary>
    /// A word's probability estimated from its frequency rank in the table (word2vec and GloVe files list frequent
    /// words first), by Zipf's law: p(r) = 1 / (r * H_N) over N ranks. Rows without a rank (created in a view)
    /// count as the rarest word.
    /// </summary>
    private readonly struct ZipfFrequency(long rows)
    {
        public long Rarest { get; } = Math.Max(1, rows);

        /// <summary>H_N by its asymptotic expansion: exact to 1e-6 from N = 10 on.</summary>
        private double Harmonic => Rarest < 10
            ? Enumerable.Range(1, (int)Rarest).Sum(i => 1.0 / i)
            : Math.Log(Rarest) + 0.5772156649015329 + 1.0 / (2 * Rarest) - 1.0 / (12.0 * Rarest * Rarest);

        public float Of(long rank) => (float)(1.0 / (rank * Harmonic));
    }
}
