namespace Trainer.Tests.Kernels;

internal static class TestData
{
    public static float[] Uniform(Random random, int count, float range = 1f)
    {
        var a = new float[count];
        for (int i = 0; i < a.Length; i++) a[i] = (float)((random.NextDouble() * 2 - 1) * range);
        return a;
    }

    /// <summary>Local indices into <paramref name="rows"/> distinct rows, every fifth position padding.</summary>
    public static int[] LocalIndex(Random random, int positions, int rows)
    {
        var index = new int[positions];
        for (int p = 0; p < positions; p++) index[p] = p % 5 == 4 ? -1 : random.Next(rows);
        return index;
    }

    public static void AssertClose(float[] expected, float[] actual, float relative = 1e-4f, float absolute = 1e-6f, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = absolute + relative * Math.Abs(expected[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tolerance}).");
        }
    }
}
