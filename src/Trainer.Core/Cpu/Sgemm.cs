using System.Runtime.CompilerServices;

namespace Trainer.Core.Cpu;

/// <summary>
/// Single-precision C += A · B for the convolutions: A [m, k] row-major with leading dimension lda, which may be
/// smaller than k (the unfolded windows of a [L, D] sentence are its rows t..t+h-1, so window t starts at t·D and
/// lda = D: no im2col copy); B [k, n] packed row-major with n a multiple of the vector width; C [m, ldc].
/// Blocked over k so that a panel of B (KBlock rows by two vectors) stays in L1 while every row of A passes over
/// it; the micro-kernel holds a 4 x 2-vector tile of C in registers and does 8 FMAs per 4 broadcasts and 2 loads.
/// </summary>
internal static unsafe class Sgemm
{
    /// <summary>Rows of B per block: 128 rows of two 16-float vectors are 16 KiB, half of L1.</summary>
    public const int KBlock = 128;

    public static void MultiplyAdd<TOps, TVec>(int m, int n, int k, float* a, int lda, float* b, float* c, int ldc)
        where TOps : IVectorOps<TVec> where TVec : struct
    {
        int w = TOps.Width;
        for (int k0 = 0; k0 < k; k0 += KBlock)
        {
            int kc = Math.Min(KBlock, k - k0);
            float* bk = b + (long)k0 * n;
            int j = 0;
            for (; j + 2 * w <= n; j += 2 * w)
            {
                int i = 0;
                for (; i + 4 <= m; i += 4) Tile4x2<TOps, TVec>(kc, a + (long)i * lda + k0, lda, bk + j, n, c + (long)i * ldc + j, ldc);
                for (; i < m; i++) Tile1x2<TOps, TVec>(kc, a + (long)i * lda + k0, bk + j, n, c + (long)i * ldc + j);
            }
            for (; j < n; j += w)
                for (int i = 0; i < m; i++) Tile1x1<TOps, TVec>(kc, a + (long)i * lda + k0, bk + j, n, c + (long)i * ldc + j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x2<TOps, TVec>(int kc, float* a, int lda, float* b, int ldb, float* c, int ldc)
        where TOps : IVectorOps<TVec> where TVec : struct
    {
        int w = TOps.Width;
        float* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        float* c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        TVec c00 = TOps.Load(c), c01 = TOps.Load(c + w), c10 = TOps.Load(c1), c11 = TOps.Load(c1 + w);
        TVec c20 = TOps.Load(c2), c21 = TOps.Load(c2 + w), c30 = TOps.Load(c3), c31 = TOps.Load(c3 + w);
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.Load(b), b1 = TOps.Load(b + w);
            b += ldb;
            TVec x = TOps.Broadcast(a[p]);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(a1[p]);
            c10 = TOps.MultiplyAdd(x, b0, c10);
            c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(a2[p]);
            c20 = TOps.MultiplyAdd(x, b0, c20);
            c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(a3[p]);
            c30 = TOps.MultiplyAdd(x, b0, c30);
            c31 = TOps.MultiplyAdd(x, b1, c31);
        }
        TOps.Store(c, c00);
        TOps.Store(c + w, c01);
        TOps.Store(c1, c10);
        TOps.Store(c1 + w, c11);
        TOps.Store(c2, c20);
        TOps.Store(c2 + w, c21);
        TOps.Store(c3, c30);
        TOps.Store(c3 + w, c31);
    }

    private static void Tile1x2<TOps, TVec>(int kc, float* a, float* b, int ldb, float* c)
        where TOps : IVectorOps<TVec> where TVec : struct
    {
        int w = TOps.Width;
        TVec c0 = TOps.Load(c), c1 = TOps.Load(c + w);
        for (int p = 0; p < kc; p++, b += ldb)
        {
            TVec x = TOps.Broadcast(a[p]);
            c0 = TOps.MultiplyAdd(x, TOps.Load(b), c0);
            c1 = TOps.MultiplyAdd(x, TOps.Load(b + w), c1);
        }
        TOps.Store(c, c0);
        TOps.Store(c + w, c1);
    }

    private static void Tile1x1<TOps, TVec>(int kc, float* a, float* b, int ldb, float* c)
        where TOps : IVectorOps<TVec> where TVec : struct
    {
        TVec c0 = TOps.Load(c);
        for (int p = 0; p < kc; p++, b += ldb) c0 = TOps.MultiplyAdd(TOps.Broadcast(a[p]), TOps.Load(b), c0);
        TOps.Store(c, c0);
    }
}
