using System.Numerics;
using System.Runtime.Intrinsics;
using Trainer.Core.Cpu;
using static Trainer.Tests.Kernels.TestData;

namespace Trainer.Tests.Cpu;

public sealed unsafe class SgemmTests
{
    public static TheoryData<VectorWidth, int, int, int> Sizes()
    {
        var data = new TheoryData<VectorWidth, int, int, int>();
        foreach (var width in new[] { VectorWidth.Vector512, VectorWidth.Vector256, VectorWidth.Portable })
            foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 5, 7), (4, 13, 17), (7, 33, 129), (9, 100, 300), (17, 65, 257) })
                data.Add(width, m, n, k);
        return data;
    }

    // m rows, n live columns (B and C padded to the vector width), k inner; A's rows overlap (lda < k), as sentence windows do.
    [Theory, MemberData(nameof(Sizes))]
    public void MultiplyAdd_OddSizes_MatchesTripleLoop(VectorWidth width, int m, int n, int k)
    {
        int w = WidthOf(width), padded = (n + w - 1) / w * w, lda = Math.Max(1, k / 3), ldc = padded + w;
        var random = new Random(m * 1000 + n * 10 + k);
        var a = Uniform(random, (m - 1) * lda + k);
        var b = new float[k * padded];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) b[p * padded + j] = (float)(random.NextDouble() * 2 - 1);
        var c = Uniform(random, m * ldc);
        var expected = (float[])c.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = expected[i * ldc + j];
                for (int p = 0; p < k; p++) sum += (double)a[i * lda + p] * b[p * padded + j];
                expected[i * ldc + j] = (float)sum;
            }

        fixed (float* pa = a, pb = b, pc = c)
            Multiply(width, m, padded, k, pa, lda, pb, pc, ldc);

        for (int i = 0; i < m; i++)
        {
            AssertClose(expected.AsSpan(i * ldc, n).ToArray(), c.AsSpan(i * ldc, n).ToArray(), relative: 1e-4f, absolute: 1e-4f, what: $"row {i}");
            Assert.Equal(expected.AsSpan(i * ldc + padded, ldc - padded).ToArray(), c.AsSpan(i * ldc + padded, ldc - padded).ToArray()); // beyond ldb: untouched
        }
    }

    private static int WidthOf(VectorWidth width) => width switch
    {
        VectorWidth.Vector512 => Vector512<float>.Count,
        VectorWidth.Vector256 => Vector256<float>.Count,
        _ => Vector<float>.Count,
    };

    private static void Multiply(VectorWidth width, int m, int n, int k, float* a, int lda, float* b, float* c, int ldc)
    {
        switch (width)
        {
            case VectorWidth.Vector512: Sgemm.MultiplyAdd<Vector512Ops, Vector512<float>>(m, n, k, a, lda, b, c, ldc); break;
            case VectorWidth.Vector256: Sgemm.MultiplyAdd<Vector256Ops, Vector256<float>>(m, n, k, a, lda, b, c, ldc); break;
            default: Sgemm.MultiplyAdd<PortableOps, Vector<float>>(m, n, k, a, lda, b, c, ldc); break;
        }
    }
}
