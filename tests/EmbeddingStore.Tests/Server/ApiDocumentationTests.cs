using ProtoDoc;

namespace EmbeddingStore.Tests.Server;

/// <summary>Every element of the proto carries a comment, and docs/api.md is what tools/ProtoDoc makes of them.</summary>
public class ApiDocumentationTests
{
    private static string Repo(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EmbeddingStore.sln"))) dir = dir.Parent;
        return Path.Combine([dir?.FullName ?? throw new InvalidOperationException("repository root not found"), .. parts]);
    }

    private static List<ProtoElement> Parse() => ProtoFile.Parse(File.ReadAllText(Repo("protos", "embedding_store.proto")), "protos/embedding_store.proto");

    [Fact]
    public void EveryServiceMethodMessageFieldAndEnumValue_HasAComment()
    {
        var missing = ProtoFile.Undocumented(Parse(), "protos/embedding_store.proto").ToList();
        Assert.True(missing.Count == 0, string.Join('\n', missing));
    }

    [Fact]
    public void ApiMarkdown_IsUpToDate()
    {
        var expected = ApiMarkdown.Render(Parse(), "protos/embedding_store.proto", File.ReadAllText(Repo("docs", "api-header.md")));
        var actual = File.ReadAllText(Repo("docs", "api.md"));
        Assert.True(expected == actual,
            "docs/api.md is stale: run dotnet run --project tools/ProtoDoc -- protos/embedding_store.proto docs/api-header.md > docs/api.md");
    }

    [Fact]
    public void Parse_FindsEveryRpcOfTheGeneratedDescriptors()
    {
        var parsed = Parse().Where(e => e.Kind == "service").SelectMany(s => s.Children).Select(r => r.Path).ToHashSet();
        var generated = EmbeddingStore.Protos.EmbeddingStoreReflection.Descriptor.Services
            .SelectMany(s => s.Methods).Select(m => $"{m.Service.Name}.{m.Name}");
        Assert.All(generated, name => Assert.Contains(name, parsed));
    }

    [Fact]
    public void Parse_ReportsUndocumentedElementsWithFileAndLine()
    {
        const string proto = "syntax = \"proto3\";\n// A thing.\nmessage Thing {\n  string name = 1;\n  // Documented.\n  int32 size = 2; // and trailing\n}\n";
        var elements = ProtoFile.Parse(proto, "t.proto");
        Assert.Equal(["t.proto:4: field Thing.name has no comment"], ProtoFile.Undocumented(elements, "t.proto"));
        Assert.Equal("Documented. and trailing", elements[0].Children[1].Comment);
        var bad = Assert.Throws<FormatException>(() => ProtoFile.Parse("message A { int32 x = 1; }\n", "u.proto"));
        Assert.StartsWith("u.proto:1:", bad.Message);
    }
}
