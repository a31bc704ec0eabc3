using EmbeddingStore.Core;

namespace EmbeddingStore.Server.Services;

/// <summary>
/// Confines server-side file access to the import folder: relative paths that climb out with "..",
/// absolute paths elsewhere, and symbolic links (of the file or of any folder on its way) whose target
/// lies outside are all refused with PERMISSION_DENIED.
/// </summary>
public static class ImportPaths
{
    public static string Resolve(string importDir, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new StoreException(StoreError.InvalidArgument, "path is empty");
        var root = RealPath(Path.GetFullPath(importDir));
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        if (!IsInside(root, full))
            throw new StoreException(StoreError.PermissionDenied, $"'{path}' is outside the import folder");
        if (!File.Exists(full)) throw new StoreException(StoreError.NotFound, $"'{path}' does not exist in the import folder");
        var real = RealPath(full);
        if (!IsInside(root, real))
            throw new StoreException(StoreError.PermissionDenied, $"'{path}' links to a file outside the import folder");
        return real;
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
            current = info.LinkTarget is null ? next : RealPath(info.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
        }
        return current;
    }
}
