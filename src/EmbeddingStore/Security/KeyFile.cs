using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// Reads the API key file:
/// <c>{"keys":[{"name":"trainer-a","sha256":"&lt;64 hex&gt;","scopes":["read","write"],"views":["mr-*","team-a"]}]}</c>.
/// Unknown properties, unknown scopes, malformed hashes, duplicate names or hashes are errors naming the line.
/// </summary>
public static class KeyFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        Converters = { new ScopeConverter() },
    };

    /// <summary>The keys by hash.</summary>
    /// <exception cref="KeyFileException">The file cannot be read or is invalid; the message names the file and line.</exception>
    public static IReadOnlyDictionary<string, ApiKey> Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new KeyFileException($"{path}: {e.Message}"); }
        try { return Parse(text); }
        catch (JsonException e) { throw new KeyFileException($"{path}, line {e.LineNumber + 1}: {Describe(e)}"); }
        catch (KeyFileException e) { throw new KeyFileException($"{path}: {e.Message}"); }
    }

    public static IReadOnlyDictionary<string, ApiKey> Parse(string json)
    {
        var file = JsonSerializer.Deserialize<FileShape>(json, Json) ?? throw new KeyFileException("the file is empty (null)");
        var keys = new Dictionary<string, ApiKey>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (entry, index) in file.Keys.Select((e, i) => (e, i)))
        {
            var where = $"keys[{index}] ('{entry.Name}')";
            if (string.IsNullOrWhiteSpace(entry.Name)) throw new KeyFileException($"keys[{index}]: name is empty");
            if (entry.Scopes.Length == 0) throw new KeyFileException($"{where}: scopes is empty (read, write, admin)");
            if (entry.Views is { Length: 0 }) throw new KeyFileException($"{where}: views is empty; leave it out to allow every view");
            if (!names.Add(entry.Name)) throw new KeyFileException($"{where}: the name is used twice");
            if (keys.ContainsKey(entry.Sha256)) throw new KeyFileException($"{where}: the same key hash is listed twice");
            keys[entry.Sha256] = new ApiKey(entry.Name, entry.Sha256, entry.Scopes.ToHashSet(), entry.Views);
        }
        return keys;
    }

    /// <summary>The serializer's own messages end with path and line; ours already say where.</summary>
    private static string Describe(JsonException e) => e.InnerException is null && e.Path is { } path
        ? $"{e.Message.Split(" Path:")[0]} (at {path})"
        : e.Message;

    private sealed record FileShape(EntryShape[] Keys);

    private sealed record EntryShape(string Name, [property: JsonConverter(typeof(HashConverter))] string Sha256, Scope[] Scopes,
        string[]? Views = null);

    private sealed class ScopeConverter : JsonConverter<Scope>
    {
        public override Scope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() switch
            {
                "read" => Scope.Read,
                "write" => Scope.Write,
                "admin" => Scope.Admin,
                var other => throw new JsonException($"scope '{other}' is not one of read, write, admin"),
            };

        public override void Write(Utf8JsonWriter writer, Scope value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString().ToLowerInvariant());
    }

    /// <summary>Only a hash may stand in the file: a key pasted in clear by mistake is refused, not accepted.</summary>
    private sealed class HashConverter : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString() ?? "";
            return value.Length == 64 && value.All(Uri.IsHexDigit)
                ? value.ToLowerInvariant()
                : throw new JsonException("sha256 must be 64 hex digits (run `EmbeddingStore keys new` to make a key and its hash)");
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}

/// <summary>The key file is unreadable or invalid; the message names the file and, where known, the line.</summary>
public sealed class KeyFileException(string message) : Exception(message);
