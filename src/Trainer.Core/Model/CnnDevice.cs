using Trainer.Core.Cpu;
using Trainer.Core.Kernels;

namespace Trainer.Core.Model;

/// <summary>The trainer's <c>--device</c> choices.</summary>
public enum DeviceKind { Auto, Cpu, IlgpuCpu, Cuda, OpenCL }

/// <summary>
/// Where the CNN runs: <see cref="SimdCnn"/> on the CPU, or <see cref="KimCnn"/> on an ILGPU accelerator.
/// <c>auto</c> takes CUDA if present, else a usable OpenCL device, else the SIMD CPU path; <c>ilgpu-cpu</c> is
/// ILGPU's CPU accelerator, much slower than <c>cpu</c>, kept to run the ILGPU kernels without a GPU.
/// </summary>
public sealed class CnnDevice : IDisposable
{
    private CnnDevice(ComputeDevice? accelerator, IReadOnlyList<string> skipped)
    {
        Accelerator = accelerator;
        Skipped = skipped;
    }

    /// <summary>The ILGPU accelerator, or null for the SIMD CPU path.</summary>
    public ComputeDevice? Accelerator { get; }

    /// <summary>GPUs that auto mode tried and could not start, with the reason; empty otherwise.</summary>
    public IReadOnlyList<string> Skipped { get; }

    public string Description => Accelerator?.Description
        ?? $"CPU: SIMD kernels ({ConvKernelsFactory.Resolve(VectorWidth.Auto)}, {Environment.ProcessorCount} threads)";

    public static DeviceKind Parse(string option) => option.Trim().ToLowerInvariant() switch
    {
        "auto" => DeviceKind.Auto,
        "cpu" => DeviceKind.Cpu,
        "ilgpu-cpu" => DeviceKind.IlgpuCpu,
        "cuda" => DeviceKind.Cuda,
        "opencl" => DeviceKind.OpenCL,
        _ => throw new ArgumentException($"Unknown device '{option}'; expected auto, cpu, ilgpu-cpu, cuda or opencl.", nameof(option)),
    };

    public static CnnDevice Create(string option) => Create(Parse(option));

    public static CnnDevice Create(DeviceKind kind)
    {
        switch (kind)
        {
            case DeviceKind.Cpu:
                return new CnnDevice(null, []);
            case DeviceKind.Auto:
                var skipped = new List<string>();
                return new CnnDevice(ComputeDevice.CreateFirstGpu(skipped), skipped);
            default:
                var backend = kind switch { DeviceKind.Cuda => ComputeBackend.Cuda, DeviceKind.OpenCL => ComputeBackend.OpenCL, _ => ComputeBackend.Cpu };
                return new CnnDevice(ComputeDevice.Create(backend), []);
        }
    }

    public ICnnBackend CreateModel(KimCnnConfig config, float[]? parameters = null) =>
        Accelerator is null ? new SimdCnn(config, parameters) : new KimCnn(Accelerator, config, parameters);

    /// <summary>Restores a model written by <see cref="CnnCheckpoint.Save(Stream, ICnnBackend)"/> onto this device.</summary>
    public ICnnBackend Load(Stream stream) => Accelerator is null ? SimdCnn.Load(stream) : KimCnn.Load(Accelerator, stream);

    public void Dispose() => Accelerator?.Dispose();
}
