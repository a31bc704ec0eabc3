using EmbeddingStore.Server.Security;

namespace EmbeddingStore.Tests.Security;

public class KeyFileTests
{
    private static readonly string HashA = ApiKey.Hash("key-a");
    private static readonly string HashB = ApiKey.Hash("key-b");

    [Fact]
    public void ValidFile_KeysByHash_WithScopesAndViews()
    {
        var keys = KeyFile.Parse($$"""
            {"keys": [
              {"name": "trainer-a", "sha256": "{{HashA}}", "scopes": ["read", "write"], "views": ["mr-*", "sst2"]},
              {"name": "ops", "sha256": "{{HashB}}", "scopes": ["admin"]}
            ]}
            """);
        var trainer = keys[HashA];
        Assert.Equal("trainer-a", trainer.Name);
        Assert.True(trainer.Has(Scope.Write));
        Assert.False(trainer.Has(Scope.Admin));
        Assert.True(trainer.CoversView("mr-fold1"));
        Assert.True(trainer.CoversView("sst2"));
        Assert.False(trainer.CoversView("sst2-copy"));
        Assert.False(trainer.CoversView("trec"));
        var ops = keys[HashB];
        Assert.True(ops.Has(Scope.Read) && ops.Has(Scope.Write));
        Assert.True(ops.CoversView("anything"));
    }

    [Fact]
    public void UnknownScope_RefusedNamingFileAndLine()
    {
        var path = Write($$"""
            {"keys": [
              {"name": "a", "sha256": "{{HashA}}",
               "scopes": ["read", "wrte"]}
            ]}
            """);
        var e = Assert.Throws<KeyFileException>(() => KeyFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("'wrte'", e.Message);
    }

    [Fact]
    public void KeyInClearInsteadOfHash_Refused()
    {
        var e = Assert.Throws<KeyFileException>(() => KeyFile.Load(Write("""{"keys": [{"name": "a", "sha256": "esk_secret", "scopes": ["read"]}]}""")));
        Assert.Contains("64 hex digits", e.Message);
    }

    [Theory]
    [InlineData("""{"keys": [{"name": "a", "sha256": "HASH", "scopes": ["read"], "expires": 1}]}""", "expires")]
    [InlineData("""{"keys": [{"name": "a", "scopes": ["read"]}]}""", "sha256")]
    [InlineData("""{"keys": [{"name": "a", "sha256": "HASH", "scopes": []}]}""", "scopes is empty")]
    [InlineData("""{"keys": [{"name": "a", "sha256": "HASH", "scopes": ["read"], "views": []}]}""", "views is empty")]
    [InlineData("""{"keys": [{"name": "a", "sha256": "HASH", "scopes": ["read"]}, {"name": "a", "sha256": "HASH", "scopes": ["read"]}]}""", "used twice")]
    [InlineData("""{"keys": [ {"name": "a", """, "line 1")]
    public void InvalidFile_RefusedWithReason(string json, string expected)
    {
        var e = Assert.Throws<KeyFileException>(() => KeyFile.Load(Write(json.Replace("HASH", HashA))));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void NewKeys_AreDistinct_AndHashAsTheFileExpects()
    {
        var (a, b) = (ApiKey.NewKey(), ApiKey.NewKey());
        Assert.NotEqual(a, b);
        Assert.Matches("^[0-9a-f]{64}$", ApiKey.Hash(a));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKey.Hash("abc"));
    }

    private static string Write(string json)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("embstore-keys-").FullName, "keys.json");
        File.WriteAllText(path, json);
        return path;
    }
}
