namespace Trainer.Data;

/// <summary>A batch as row ids: Ids[b * Positions + p] is the row at position p of sentence b.</summary>
public sealed record Batch(long[] Ids, int[] Labels, int Positions)
{
    public int Size => Labels.Length;
}

/// <summary>
/// The distinct rows of a batch, which is what the trainer pulls from the store, and where each
/// position finds its row: LocalIndex[b * Positions + p] indexes DistinctIds, or is -1 for padding.
/// </summary>
public sealed record BatchIndex(long[] DistinctIds, int[] LocalIndex)
{
    public static BatchIndex Of(long[] ids, long padId)
    {
        var slots = new Dictionary<long, int>();
        var local = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] == padId) { local[i] = -1; continue; }
            if (!slots.TryGetValue(ids[i], out var slot)) slots[ids[i]] = slot = slots.Count;
            local[i] = slot;
        }
        var distinct = new long[slots.Count];
        foreach (var (id, slot) in slots) distinct[slot] = id;
        return new BatchIndex(distinct, local);
    }
}

/// <summary>Kim's batching: padded sentences of a fixed length, mini-batches of 50, shuffled per epoch.</summary>
public static class Batcher
{
    /// <summary>Kim pads filterMax-1 rows in front and pads to maxLength + 2(filterMax-1): 64 for MR (56 tokens, windows up to 5).</summary>
    public static int Positions(int maxLength, int filterMax) => maxLength + 2 * (filterMax - 1);

    /// <summary>
    /// The example indices of each batch, shuffled when <paramref name="shuffle"/> is given. With
    /// <paramref name="fillLastBatch"/>, as in Kim's code, the set is topped up with repeats so every batch is
    /// full; otherwise (evaluation) the last batch may be short.
    /// </summary>
    public static List<int[]> Order(IReadOnlyList<int> examples, int batchSize, Random? shuffle, bool fillLastBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var order = examples.ToArray();
        shuffle?.Shuffle(order);
        var missing = (batchSize - order.Length % batchSize) % batchSize;
        if (fillLastBatch && missing > 0 && order.Length > 0)
            order = [.. order, .. Repeats(examples, missing, shuffle ?? new Random(0))];
        return order.Chunk(batchSize).ToList();
    }

    /// <summary>
    /// Kim's repeats: the front of a fresh permutation, so no example is repeated twice while others are not
    /// repeated at all. A set smaller than the shortfall is cycled through.
    /// </summary>
    private static List<int> Repeats(IReadOnlyList<int> examples, int count, Random random)
    {
        var repeats = new List<int>(count);
        while (repeats.Count < count)
        {
            var permutation = examples.ToArray();
            random.Shuffle(permutation);
            repeats.AddRange(permutation.Take(count - repeats.Count));
        }
        return repeats;
    }

    /// <summary>
    /// Lays out the sentences of one batch. Tokens beyond <c>positions - 2(filterMax-1)</c> are dropped:
    /// Kim sized positions from the longest sentence, so nothing is dropped on his datasets.
    /// </summary>
    public static Batch Build(IReadOnlyList<Example> examples, int[] indices, Func<string, long> idOf, int positions, int filterMax, long padId)
    {
        var pad = filterMax - 1;
        var room = positions - 2 * pad;
        var ids = new long[indices.Length * positions];
        Array.Fill(ids, padId);
        var labels = new int[indices.Length];
        for (var b = 0; b < indices.Length; b++)
        {
            var example = examples[indices[b]];
            labels[b] = example.Label;
            var count = Math.Min(room, example.Tokens.Length);
            for (var t = 0; t < count; t++) ids[b * positions + pad + t] = idOf(example.Tokens[t]);
        }
        return new Batch(ids, labels, positions);
    }
}
