using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;

namespace EmbeddingStore.Tests.Architecture;

/// <summary>
/// The arrows between the projects (ARCHITECTURE.md, code map): the storage core and the trainer's model know nothing
/// of gRPC or the protos, the trainer and the clients nothing of the store's implementation. Each project is checked
/// with everything it reaches: its ProjectReferences followed to the end, their PackageReferences, the packages those
/// pull in (the restore's project.assets.json) and, for the assemblies this test runs with, the compiled references.
/// </summary>
public sealed class DependencyRulesTests
{
    /// <summary>Project -> what it must not reach: project names, package ids, assembly names; a trailing * is a prefix.</summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        { "EmbeddingStore.Core", ["Grpc.*", "Google.Protobuf", "Contracts"] },
        { "Trainer.Core", ["Client", "EmbeddingStore.Client", "Grpc.*", "Google.Protobuf", "Contracts"] },
        { "Trainer", ["EmbeddingStore.Core", "EmbeddingStore"] },
        { "Client", ["EmbeddingStore.Core", "EmbeddingStore"] },
        { "Cli", ["EmbeddingStore", "EmbeddingStore.Core"] },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Project_DoesNotReachWhatItMustNot(string project, string[] forbidden)
    {
        var reached = Reach(project);
        var broken = reached
            .Where(r => forbidden.Any(f => Matches(f, r.Name)))
            .Select(r => $"{project} -> {r.Name} ({r.Via})")
            .ToList();
        Assert.True(broken.Count == 0, "forbidden dependencies:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void CompiledAssemblies_ReferenceNothingForbidden()
    {
        // What the compiler linked, for the assemblies this test project runs with.
        (Assembly Assembly, string[] Forbidden)[] rules =
        [
            (typeof(global::EmbeddingStore.Core.Store).Assembly, ["Grpc.*", "Google.Protobuf", "Contracts"]),
            (typeof(global::EmbeddingStore.Client.EmbeddingStoreClient).Assembly, ["EmbeddingStore.Core", "EmbeddingStore"]),
        ];
        var broken = rules
            .SelectMany(rule => rule.Assembly.GetReferencedAssemblies()
                .Where(r => rule.Forbidden.Any(f => Matches(f, r.Name!)))
                .Select(r => $"{rule.Assembly.GetName().Name} -> {r.Name}"))
            .ToList();
        Assert.True(broken.Count == 0, "forbidden assembly references:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void EveryRule_NamesAProjectThatExists()
    {
        foreach (var row in Rules) Assert.True(File.Exists(ProjectFile((string)row[0])), $"no project {row[0]} under src/");
    }

    private static bool Matches(string pattern, string name) =>
        pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase) : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);

    private sealed record Reached(string Name, string Via);

    /// <summary>Every project, package and assembly <paramref name="project"/> reaches, each with how.</summary>
    private static List<Reached> Reach(string project)
    {
        var reached = new List<Reached>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<(string Path, string Via)>([(ProjectFile(project), project)]);
        while (pending.TryDequeue(out var item))
        {
            var path = Path.GetFullPath(item.Path);
            if (!seen.Add(path)) continue;
            var name = Path.GetFileNameWithoutExtension(path);
            var xml = XDocument.Load(path);
            var assemblyName = xml.Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault();
            if (name != project) reached.Add(new(name, item.Via));
            if (assemblyName is not null && assemblyName != name && name != project) reached.Add(new(assemblyName, item.Via));
            foreach (var package in xml.Descendants("PackageReference"))
                reached.Add(new(package.Attribute("Include")!.Value, $"{item.Via}: PackageReference"));
            foreach (var reference in xml.Descendants("ProjectReference"))
            {
                var target = Path.Combine(Path.GetDirectoryName(path)!, reference.Attribute("Include")!.Value.Replace('\\', '/'));
                pending.Enqueue((target, $"{item.Via} -> {Path.GetFileNameWithoutExtension(target)}"));
            }
        }
        // The restore's view: every package and project the project's build resolves, transitively.
        var assets = Path.Combine(Path.GetDirectoryName(ProjectFile(project))!, "obj", "project.assets.json");
        if (File.Exists(assets))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(assets));
            foreach (var library in json.RootElement.GetProperty("libraries").EnumerateObject())
                reached.Add(new(library.Name.Split('/')[0], "project.assets.json"));
        }
        return reached;
    }

    private static string ProjectFile(string project) => Path.Combine(RepoRoot, "src", project, project + ".csproj");

    private static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EmbeddingStore.sln"))) return dir.FullName;
        throw new InvalidOperationException("no EmbeddingStore.sln above " + AppContext.BaseDirectory);
    }
}
