using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EmbeddingStore.Client;

/// <summary>
/// How a client proves who it is and whom it talks to: an API key, sent with every call as metadata
/// <c>authorization: Bearer &lt;key&gt;</c>, and the CA certificate(s) the server's TLS certificate must chain to
/// (for an <c>https://</c> address whose certificate is not publicly trusted, e.g. a private CA or a self-signed one).
/// </summary>
/// <param name="ApiKey">The key, or null for a store without keys.</param>
/// <param name="CaCertificateFile">A PEM file of one or more CA certificates; when set, only chains ending at one of them are trusted.</param>
public sealed record StoreCredentials(string? ApiKey = null, string? CaCertificateFile = null)
{
    public static StoreCredentials None { get; } = new();

    /// <summary>
    /// Makes <paramref name="handler"/> trust only chains ending at the CA file's certificates, host name still checked;
    /// leaves it as it is without a CA file.
    /// </summary>
    internal void ApplyTo(SocketsHttpHandler handler)
    {
        if (CaCertificateFile is null) return;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(CaCertificateFile);
        if (roots.Count == 0) throw new InvalidDataException($"{CaCertificateFile} holds no PEM certificate");
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
                certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 &&
                ChainsTo(roots, new X509Certificate2(certificate), presented),
        };
    }

    private static bool ChainsTo(X509Certificate2Collection roots, X509Certificate2 certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(certificate);
    }
}
