using System.Security.Cryptography;
using System.Text;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Security;

/// <summary>
/// One real server process for a whole test class: TLS from a throwaway CA, an API key file with a key per role, and
/// low limits so that each can be crossed with small requests. A table "base" (dim 8) has views for two teams.
/// </summary>
public sealed class SecuredServerFixture : IAsyncLifetime
{
    public const string Collection = "secured server";

    public const int Dim = 8;
    public const int MaxTokens = 50;
    public const int MaxTokenLength = 20;
    public const int MaxRows = 40;
    public const int MaxFloats = 200;
    public const int MaxDim = 64;
    public const int MaxMessageBytes = 1 << 20;

    /// <summary>Each key's scopes and views, as its entry in the key file writes them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Entries = new Dictionary<string, string>
    {
        ["admin"] = "\"scopes\": [\"admin\"]",
        ["reader"] = "\"scopes\": [\"read\"]",
        ["writer"] = "\"scopes\": [\"read\", \"write\"]",
        ["team-a"] = "\"scopes\": [\"read\", \"write\"], \"views\": [\"team-a-*\"]",
    };

    private readonly Dictionary<string, string> _keys = Entries.Keys.ToDictionary(name => name, _ => "esk_" + Guid.NewGuid().ToString("N"));
    private readonly string _root = Directory.CreateTempSubdirectory("embstore-security-").FullName;

    public ServerProcess Server { get; private set; } = null!;
    public TestCertificates Certificates { get; private set; } = null!;
    public string KeyFile => Path.Combine(_root, "keys.json");
    public long[] TeamARows { get; private set; } = [];

    public string Key(string name) => _keys[name];

    /// <summary>A client over TLS, trusting the test CA, with the named key (or none).</summary>
    public EmbeddingStoreClient Client(string? keyName) =>
        new(Server.Address, new StoreCredentials(keyName is null ? null : _keys[keyName], Certificates.CaFile)) { CallTimeout = TimeSpan.FromSeconds(30) };

    /// <summary>The key file's text for these keys plus <paramref name="extra"/> (name to key), each with the read scope.</summary>
    public string KeyFileText(IReadOnlyDictionary<string, string>? extra = null) =>
        KeyFileText((extra ?? new Dictionary<string, string>()).Select(k => (k.Key, k.Value, "\"scopes\": [\"read\"]")));

    /// <summary>The key file's text for these keys plus <paramref name="extra"/>: name, key, and scopes and views as in <see cref="Entries"/>.</summary>
    public string KeyFileText(IEnumerable<(string Name, string Key, string Entry)> extra)
    {
        var entries = _keys.Select(k => $$"""    {"name": "{{k.Key}}", "sha256": "{{Hash(k.Value)}}", {{Entries[k.Key]}}}""")
            .Concat(extra.Select(k => $$"""    {"name": "{{k.Name}}", "sha256": "{{Hash(k.Key)}}", {{k.Entry}}}"""));
        return "{\"keys\": [\n" + string.Join(",\n", entries) + "\n]}\n";
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task InitializeAsync()
    {
        Certificates = TestCertificates.Create(Path.Combine(_root, "tls"));
        await File.WriteAllTextAsync(KeyFile, KeyFileText());
        Server = await ServerProcess.StartAsync(Path.Combine(_root, "data"), null, null,
            "--tls-cert", Certificates.CertFile, "--tls-key", Certificates.KeyFile, "--key-file", KeyFile,
            "--max-tokens-per-request", MaxTokens.ToString(), "--max-token-length", MaxTokenLength.ToString(),
            "--max-rows-per-request", MaxRows.ToString(), "--max-floats-per-request", MaxFloats.ToString(),
            "--max-dim", MaxDim.ToString(), "--max-message-bytes", MaxMessageBytes.ToString(), "--max-concurrent-imports", "1");
        using var admin = Client("admin");
        await admin.WaitForServingAsync(TimeSpan.FromSeconds(30));
        await admin.CreateTableAsync("base", Dim);
        foreach (var view in new[] { "team-a-model", "team-b-model" })
            await admin.CreateViewAsync(new CreateViewRequest { Name = view, Table = "base", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
        TeamARows = await admin.ResolveAsync("team-a-model", ["@user", "<num>"], UnknownPolicy.Create);
    }

    public async Task DisposeAsync()
    {
        Server.DeleteData();
        await Server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>The test classes that share the one secured server; they run one after the other.</summary>
[CollectionDefinition(SecuredServerFixture.Collection)]
public sealed class SecuredServerCollection : ICollectionFixture<SecuredServerFixture>;
