using System.Security.Cryptography;
using System.Text;

namespace EmbeddingStore.Server.Security;

/// <summary>What a key may do. <see cref="Admin"/> implies the other two.</summary>
public enum Scope { Read, Write, Admin }

/// <summary>
/// One entry of the key file: the key's SHA-256 (the key itself is never stored), its scopes, and the views it may
/// name: exact names, or prefixes ending in <c>*</c>; null means every view.
/// </summary>
public sealed record ApiKey(string Name, string Sha256, IReadOnlySet<Scope> Scopes, IReadOnlyList<string>? Views)
{
    public bool Has(Scope scope) => Scopes.Contains(scope) || Scopes.Contains(Scope.Admin);

    public bool CoversView(string view) => Views is null || Views.Any(pattern => pattern.EndsWith('*')
        ? view.StartsWith(pattern[..^1], StringComparison.Ordinal)
        : view == pattern);

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes, as the key file stores it.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random key: 256 bits, URL-safe base64, with a prefix that makes leaked keys easy to grep for.</summary>
    public static string NewKey() => "esk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
