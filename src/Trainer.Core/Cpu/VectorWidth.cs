using System.Numerics;
using System.Runtime.Intrinsics;

namespace Trainer.Core.Cpu;

/// <summary>Register width of the CPU kernels: the widest the machine accelerates, or one forced (tests run all three).</summary>
public enum VectorWidth { Auto, Vector512, Vector256, Portable }

internal static class ConvKernelsFactory
{
    public static IConvKernels Create(VectorWidth width) => Resolve(width) switch
    {
        VectorWidth.Vector512 => new ConvKernels<Vector512Ops, Vector512<float>>(),
        VectorWidth.Vector256 => new ConvKernels<Vector256Ops, Vector256<float>>(),
        _ => new ConvKernels<PortableOps, Vector<float>>(),
    };

    public static VectorWidth Resolve(VectorWidth width) => width != VectorWidth.Auto ? width
        : Vector512.IsHardwareAccelerated ? VectorWidth.Vector512
        : Vector256.IsHardwareAccelerated ? VectorWidth.Vector256
        : VectorWidth.Portable;
}
