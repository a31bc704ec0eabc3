namespace EmbeddingStore.Tests.Formats;

/// <summary>Finds the shared read-only data folder (see shared/data/README.md) and fails loudly without it.</summary>
internal static class TestData
{
    public static string File(string relativePath)
    {
        string folder = Folder();
        string path = Path.Combine(folder, relativePath);
        if (!System.IO.File.Exists(path))
            Assert.Fail($"Test data file {relativePath} is missing: looked for {path}.");
        return path;
    }

    private static string Folder()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("EMBSTORE_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;

        var searched = new List<string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (System.IO.File.Exists(Path.Combine(candidate, "SHA256SUMS"))) return candidate;
            searched.Add(candidate);
        }
        Assert.Fail("Shared data folder not found: set EMBSTORE_SHARED_DATA or provide shared/data/SHA256SUMS "
            + "in an ancestor of the test binaries. Looked in: " + string.Join(", ", searched));
        return "";
    }
}
