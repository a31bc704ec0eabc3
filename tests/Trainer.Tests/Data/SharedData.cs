namespace Trainer.Tests.Data;

/// <summary>The shared data folder: $EMBSTORE_SHARED_DATA, else the nearest ancestor's shared/data. Fails loudly when missing.</summary>
internal static class SharedData
{
    public static string Path(string relative)
    {
        var root = Environment.GetEnvironmentVariable("EMBSTORE_SHARED_DATA");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); root is null && dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "shared", "data", "SHA256SUMS")))
                root = System.IO.Path.Combine(dir.FullName, "shared", "data");
        if (root is null) Assert.Fail($"shared/data not found above {AppContext.BaseDirectory}; set EMBSTORE_SHARED_DATA");
        var path = System.IO.Path.Combine(root, relative);
        if (!File.Exists(path)) Assert.Fail($"shared data file {path} is missing");
        return path;
    }
}
