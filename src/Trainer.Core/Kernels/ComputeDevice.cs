using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Trainer.Core.Kernels;

/// <summary>ILGPU accelerators: CUDA, OpenCL, or ILGPU's CPU accelerator (kept to test the kernels without a GPU).</summary>
public enum ComputeBackend { Cuda, OpenCL, Cpu }

/// <summary>
/// Owns the ILGPU context and the one accelerator every kernel of a process runs on.
/// Kernels compile once per accelerator (ILGPU caches them), so share one instance.
/// </summary>
public sealed class ComputeDevice : IDisposable
{
    private ComputeDevice(Context context, Accelerator accelerator, ComputeBackend backend, int parallelism)
    {
        Context = context;
        Accelerator = accelerator;
        Backend = backend;
        Parallelism = parallelism;
    }

    public Context Context { get; }
    public Accelerator Accelerator { get; }

    public ComputeBackend Backend { get; }

    /// <summary>
    /// How many threads a kernel should launch at most. On the CPU accelerator every ILGPU thread is
    /// costly, so kernels launch one thread per core and loop over a contiguous chunk of work; on a GPU
    /// this is unbounded and kernels launch one thread per work item.
    /// </summary>
    public int Parallelism { get; }

    public string Description => $"{Backend}: {Accelerator.Name}";

    /// <param name="cpuThreads">CPU accelerator threads; defaults to <see cref="Environment.ProcessorCount"/>.</param>
    public static ComputeDevice Create(ComputeBackend backend, int? cpuThreads = null)
    {
        int threads = Math.Max(1, cpuThreads ?? Environment.ProcessorCount);
        // One multiprocessor whose single warp holds one thread per core: a launch of `threads` threads is
        // one group that runs all cores at once (measured far faster than ILGPU's default CPU device here).
        // ILGPU rejects warps of one thread, so a single core still gets two.
        var cpu = new CPUDevice(Math.Max(2, threads), 1, 1);
        // Algorithms supply GPU versions of the MathF functions the kernels call (Exp, Log).
        var context = Context.Create(b => b.Optimize(OptimizationLevel.O2).EnableAlgorithms().Cuda().OpenCL().CPU(cpu));
        try
        {
            return backend switch
            {
                ComputeBackend.Cuda => CreateCuda(context) ?? throw Missing(context, "CUDA"),
                ComputeBackend.OpenCL => CreateOpenCL(context) ?? throw Missing(context, "OpenCL"),
                _ => CreateCpu(context),
            };
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Whether a CUDA device is visible, without keeping a context (used to pick test backends).</summary>
    public static bool IsCudaAvailable()
    {
        using var context = Context.Create(b => b.Cuda());
        return context.GetCudaDevices().Count > 0;
    }

    /// <summary>
    /// The first GPU that starts, CUDA then OpenCL, or null. A GPU whose driver fails to start must not stop
    /// training, so it is skipped and the reason added to <paramref name="skipped"/>.
    /// </summary>
    public static ComputeDevice? CreateFirstGpu(List<string> skipped)
    {
        var context = Context.Create(b => b.Optimize(OptimizationLevel.O2).EnableAlgorithms().Cuda().OpenCL());
        foreach (var (name, create) in new (string, Func<Context, ComputeDevice?>)[] { ("CUDA", CreateCuda), ("OpenCL", CreateOpenCL) })
        {
            try
            {
                if (create(context) is { } device) return device;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                skipped.Add($"{name} skipped: {e.Message}");
            }
        }
        context.Dispose();
        return null;
    }

    private static ComputeDevice? CreateCuda(Context context)
    {
        if (context.GetCudaDevices().Count == 0) return null;
        var accelerator = context.CreateCudaAccelerator(0);
        return new ComputeDevice(context, accelerator, ComputeBackend.Cuda, int.MaxValue);
    }

    private static ComputeDevice? CreateOpenCL(Context context)
    {
        // ILGPU only lists OpenCL devices it can compile for, so an unusable driver shows up as no device.
        if (context.GetCLDevices().Count == 0) return null;
        var accelerator = context.CreateCLAccelerator(0);
        return new ComputeDevice(context, accelerator, ComputeBackend.OpenCL, int.MaxValue);
    }

    private static ComputeDevice CreateCpu(Context context)
    {
        var accelerator = context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel);
        return new ComputeDevice(context, accelerator, ComputeBackend.Cpu, accelerator.MaxNumThreadsPerGroup);
    }

    private static InvalidOperationException Missing(Context context, string name) => new(
        $"The {name} backend was requested but ILGPU found no usable {name} device " +
        $"(devices found: {string.Join(", ", context.Devices.Select(d => $"{d.AcceleratorType} '{d.Name}'"))}). " +
        "Ask for auto or cpu (the SIMD CPU path) instead.");

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
