namespace Trainer.Core.Kernels;

/// <summary>Per sentence, the [first, end) range of positions that are not padding, as pairs in one array.</summary>
public static class SentenceSpans
{
    public static int[] FromLocalIndex(ReadOnlySpan<int> localIndex, int positions)
    {
        int batch = localIndex.Length / positions;
        var spans = new int[2 * batch];
        for (int b = 0; b < batch; b++)
        {
            var sentence = localIndex.Slice(b * positions, positions);
            int first = 0, end = positions;
            while (first < positions && sentence[first] < 0) first++;
            while (end > first && sentence[end - 1] < 0) end--;
            (spans[2 * b], spans[2 * b + 1]) = first < end ? (first, end) : (0, 0);
        }
        return spans;
    }

    /// <summary>Every position counts as content: for inputs that carry no padding information.</summary>
    public static int[] Full(int batch, int positions) =>
        Enumerable.Range(0, 2 * batch).Select(i => i % 2 == 0 ? 0 : positions).ToArray();
}
