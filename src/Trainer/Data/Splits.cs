namespace Trainer.Data;

/// <summary>Seeded, repeatable splits: k folds for datasets without a test set, and Kim's 10% dev split.</summary>
public static class Splits
{
    /// <summary>The test indices of each of <paramref name="k"/> folds over a shuffled 0..n-1; folds differ in size by at most one.</summary>
    public static int[][] KFold(int n, int k, int seed)
    {
        if (k < 2 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"need 2 <= k <= {n}, got {k}");
        var order = Shuffled(n, seed);
        return Enumerable.Range(0, k).Select(f => order.Where((_, i) => i % k == f).ToArray()).ToArray();
    }

    /// <summary>Splits indices into (train, dev), dev taking <paramref name="fraction"/> of them after a seeded shuffle.</summary>
    public static (int[] Train, int[] Dev) DevSplit(IReadOnlyList<int> indices, double fraction, int seed)
    {
        if (fraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), $"need 0 <= fraction < 1, got {fraction}");
        var order = Shuffled(indices.Count, seed).Select(i => indices[i]).ToArray();
        var dev = (int)Math.Round(indices.Count * fraction);
        return (order[dev..], order[..dev]);
    }

    public static int[] Shuffled(int n, int seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }
}
