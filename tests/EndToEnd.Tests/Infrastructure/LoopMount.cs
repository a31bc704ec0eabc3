using System.Diagnostics;
using System.Globalization;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// A small, real ext4 file system: an image file in the temp folder mounted on a loop device (root only). The store's
/// files use O_DIRECT, which tmpfs refuses, hence ext4.
/// </summary>
public sealed class LoopMount : IDisposable
{
    public string MountPoint { get; }
    private readonly string _image;

    private LoopMount(string image, string mountPoint)
    {
        _image = image;
        MountPoint = mountPoint;
    }

    /// <summary>Makes and mounts a file system of <paramref name="bytes"/>; throws with the tools' output when that fails.</summary>
    public static LoopMount Create(long bytes)
    {
        var name = "embstore-fs-" + Guid.NewGuid().ToString("N")[..12];
        var image = Path.Combine(Path.GetTempPath(), name + ".img");
        var mountPoint = Path.Combine(Path.GetTempPath(), name);
        using (var file = File.Create(image)) file.SetLength(bytes);
        Directory.CreateDirectory(mountPoint);
        try
        {
            Run("mkfs.ext4", "-q", "-F", "-m", "0", image);
            Run("mount", "-o", "loop", image, mountPoint);
            return new LoopMount(image, mountPoint);
        }
        catch
        {
            Directory.Delete(mountPoint);
            File.Delete(image);
            throw;
        }
    }

    /// <summary>Why no loop mount can be made here, or null when one can (tried once per test run).</summary>
    public static string? Unavailable => Probe.Value;

    private static readonly Lazy<string?> Probe = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "loop mounts need Linux";
        try
        {
            using var mount = Create(16L << 20);
            return null;
        }
        catch (Exception e) { return "no loop-mounted file system can be made here (root, mkfs.ext4 and a loop device are needed): " + e.Message; }
    });

    private static void Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException($"{program} did not finish in 30 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{program} {string.Join(' ', arguments)}: exit code {process.ExitCode}: {errors.Result.Trim()}"));
    }

    public void Dispose()
    {
        Run("umount", MountPoint);
        Directory.Delete(MountPoint);
        File.Delete(_image);
    }
}

/// <summary>A test that needs a <see cref="LoopMount"/>: skipped, saying why, where none can be made.</summary>
public sealed class LoopMountFactAttribute : FactAttribute
{
    public LoopMountFactAttribute()
    {
        if (LoopMount.Unavailable is { } reason) Skip = reason;
    }
}
