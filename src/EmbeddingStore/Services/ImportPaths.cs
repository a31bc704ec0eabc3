using System.Runtime.InteropServices;
using EmbeddingStore.Core;
using Microsoft.Win32.SafeHandles;

namespace EmbeddingStore.Server.Services;

/// <summary>
/// Confines server-side file access to the import folder: relative paths that climb out with "..",
/// absolute paths elsewhere, and symbolic links (of the file or of any folder on its way) whose target
/// lies outside are all refused with PERMISSION_DENIED. The file is opened once and read through that handle: on Linux
/// the opened file itself is checked (its path as the kernel knows it, that it is a regular file, and that it has no
/// other name: a hard link can give a file outside the folder a name inside), so a link swapped in between the check of
/// the path and the open is caught too.
/// </summary>
public static partial class ImportPaths
{
    /// <summary>Opens <paramref name="path"/> (relative to <paramref name="importDir"/>, or absolute inside it) for reading.</summary>
    /// <param name="realPath">The file's path with every symbolic link resolved.</param>
    /// <exception cref="StoreException">InvalidArgument (empty), NotFound, PermissionDenied (outside the folder, or a link).</exception>
    public static FileStream Open(string importDir, string path, out string realPath)
    {
        string root;
        try
        {
            root = RealPath(Path.GetFullPath(importDir));
            realPath = Resolve(root, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(StoreError.NotFound, $"'{path}' cannot be read in the import folder: {e.Message}");
        }
        if (!OperatingSystem.IsLinux()) return File.OpenRead(realPath);
        var handle = OpenOnce(realPath, path);
        try
        {
            CheckOpened(handle, root, path);
            return new FileStream(handle, FileAccess.Read);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The path's checks by name: where it points, with every symbolic link resolved.</summary>
    private static string Resolve(string root, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new StoreException(StoreError.InvalidArgument, "path is empty");
        // No file name holds NUL; .NET's path functions throw on it (an INTERNAL answer, found by the fuzzer).
        if (path.Contains('\0')) throw new StoreException(StoreError.InvalidArgument, "path holds a NUL character");
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        if (!IsInside(root, full))
            throw new StoreException(StoreError.PermissionDenied, $"'{path}' is outside the import folder");
        if (!File.Exists(full)) throw new StoreException(StoreError.NotFound, $"'{path}' does not exist in the import folder");
        var real = RealPath(full);
        if (!IsInside(root, real))
            throw new StoreException(StoreError.PermissionDenied, $"'{path}' links to a file outside the import folder");
        return real;
    }

    /// <summary>
    /// Opens the resolved path without following a symbolic link in its last part (one put there since it was resolved
    /// fails), and without waiting on a FIFO (the check of the opened file then refuses it).
    /// </summary>
    private static SafeFileHandle OpenOnce(string realPath, string path)
    {
        var fd = OpenFile(realPath, OpenReadOnly | OpenNonBlocking | OpenCloseOnExec | NoFollow);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        var errno = Marshal.GetLastPInvokeError();
        throw errno switch
        {
            ErrorNoEntry => new StoreException(StoreError.NotFound, $"'{path}' does not exist in the import folder"),
            ErrorLoop => new StoreException(StoreError.PermissionDenied, $"'{path}' became a symbolic link while it was opened"),
            _ => new StoreException(StoreError.PermissionDenied, $"'{path}' cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }

    /// <summary>The opened file, not its name: inside the folder as the kernel resolves it, regular, and with one name only.</summary>
    private static unsafe void CheckOpened(SafeFileHandle handle, string root, string path)
    {
        var fd = (int)handle.DangerousGetHandle();
        var opened = new FileInfo($"/proc/self/fd/{fd}").LinkTarget
            ?? throw new StoreException(StoreError.PermissionDenied, $"'{path}': the opened file's path cannot be read");
        if (!IsInside(root, opened))
            throw new StoreException(StoreError.PermissionDenied, $"'{path}' links to a file outside the import folder");
        var status = stackalloc byte[StatxSize];
        if (Statx(fd, "", AtEmptyPath, StatxType | StatxLinks, status) != 0)
            throw new StoreException(StoreError.PermissionDenied,
                $"'{path}' cannot be examined: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var links = *(uint*)(status + StatxLinksOffset);
        var mode = *(ushort*)(status + StatxModeOffset);
        if ((mode & FileTypeMask) != RegularFile)
            throw new StoreException(StoreError.PermissionDenied, $"'{path}' is not a regular file");
        if (links != 1)
            throw new StoreException(StoreError.PermissionDenied,
                $"'{path}' has {links} hard links: a file in the import folder must have one name only (a hard link can reach a file outside it)");
    }

    private static bool IsInside(string root, string path) =>
        path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it resolved.</summary>
    private static string RealPath(string fullPath)
    {
        var current = Path.GetPathRoot(fullPath)!;
        foreach (var part in fullPath[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is null)
            {
                current = next;
                continue;
            }
            var target = info.ResolveLinkTarget(returnFinalTarget: true)
                ?? throw new IOException("a link on the way changed while the path was checked");
            current = RealPath(target.FullName);
        }
        return current;
    }

    private const int OpenReadOnly = 0x0, OpenNonBlocking = 0x800, OpenCloseOnExec = 0x80000;

    /// <summary>Linux's O_NOFOLLOW, which differs between architectures.</summary>
    private static int NoFollow => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    private const int ErrorNoEntry = 2, ErrorLoop = 40;

    // statx(2): its struct's layout is the same on every architecture.
    private const int AtEmptyPath = 0x1000, StatxType = 0x1, StatxLinks = 0x4, StatxSize = 256, StatxLinksOffset = 16, StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000, RegularFile = 0x8000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* status);
}
