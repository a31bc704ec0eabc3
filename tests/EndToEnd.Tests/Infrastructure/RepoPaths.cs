namespace EndToEnd.Tests.Infrastructure;

/// <summary>Finds the repository's built programs and the shared data folder from the test's bin folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindUp(AppContext.BaseDirectory, d => File.Exists(Path.Combine(d, "EmbeddingStore.sln")))
        ?? throw new InvalidOperationException($"no EmbeddingStore.sln above {AppContext.BaseDirectory}");

    /// <summary>The configuration this test assembly was built in, so the programs it runs match it.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string Program(string project, string assembly)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first", path);
    }

    /// <summary>
    /// The shared data folder: $EMBSTORE_SHARED_DATA, else the nearest ancestor's shared/data (../shared/data beside a clone).
    /// </summary>
    public static string SharedData(params string[] relative)
    {
        var root = Environment.GetEnvironmentVariable("EMBSTORE_SHARED_DATA");
        if (root is null)
        {
            var parent = FindUp(AppContext.BaseDirectory, d => File.Exists(Path.Combine(d, "shared", "data", "SHA256SUMS")))
                ?? throw new InvalidOperationException(
                    $"shared data not found: set EMBSTORE_SHARED_DATA or put shared/data beside the repository (looked above {AppContext.BaseDirectory})");
            root = Path.Combine(parent, "shared", "data");
        }
        var path = Path.Combine([root, .. relative]);
        return File.Exists(path) ? path : throw new FileNotFoundException($"shared data file {path} is missing", path);
    }

    private static string? FindUp(string start, Func<string, bool> found)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (found(dir.FullName)) return dir.FullName;
        return null;
    }
}
