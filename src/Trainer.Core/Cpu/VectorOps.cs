using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Trainer.Core.Cpu;

/// <summary>
/// The vector operations the CPU kernels use, over one register width. Each kernel is written once as a generic
/// method over an implementation of this interface; the JIT compiles a separate copy per struct type argument and
/// inlines these calls, so the Vector512 copy runs AVX-512 FMAs and the portable copy runs whatever
/// <see cref="Vector{T}"/> maps to.
/// </summary>
internal unsafe interface IVectorOps<TVec> where TVec : struct
{
    static abstract int Width { get; }
    static abstract TVec Load(float* p);
    static abstract void Store(float* p, TVec v);
    static abstract TVec Broadcast(float v);

    /// <summary>a · b + c, fused where the hardware has FMA.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    static abstract TVec Max(TVec a, TVec b);

    /// <summary>Lanes of a where a &gt; b, else the lanes of c.</summary>
    static abstract TVec SelectGreater(TVec a, TVec b, TVec ifGreater, TVec otherwise);
}

internal readonly unsafe struct Vector512Ops : IVectorOps<Vector512<float>>
{
    public static int Width => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector512<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float v) => Vector512.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectGreater(Vector512<float> a, Vector512<float> b, Vector512<float> ifGreater, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(a, b), ifGreater, otherwise);
}

internal readonly unsafe struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static int Width => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector256<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float v) => Vector256.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectGreater(Vector256<float> a, Vector256<float> b, Vector256<float> ifGreater, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(a, b), ifGreater, otherwise);
}

/// <summary>The fallback for machines without AVX: <see cref="Vector{T}"/> (NEON on Arm, scalar where nothing else exists).</summary>
internal readonly unsafe struct PortableOps : IVectorOps<Vector<float>>
{
    public static int Width => Vector<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Load(float* p) => Vector.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Broadcast(float v) => new(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> MultiplyAdd(Vector<float> a, Vector<float> b, Vector<float> c) => Vector.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Max(Vector<float> a, Vector<float> b) => Vector.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> SelectGreater(Vector<float> a, Vector<float> b, Vector<float> ifGreater, Vector<float> otherwise) =>
        Vector.ConditionalSelect(Vector.GreaterThan(a, b), ifGreater, otherwise);
}
