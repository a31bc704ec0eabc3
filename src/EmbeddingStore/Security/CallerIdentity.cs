using Grpc.Core;

namespace EmbeddingStore.Server.Security;

/// <summary>Who is calling, for per-client limits such as <see cref="StoreLimits.MaxSubscriptionsPerClient"/>.</summary>
public static class CallerIdentity
{
    internal const string KeyItem = "embstore.api-key";

    /// <summary>The key the call was authorised with, or null when the server has no API keys.</summary>
    public static ApiKey? KeyOf(ServerCallContext context) =>
        context.UserState.TryGetValue(KeyItem, out var key) ? key as ApiKey : null;

    /// <summary>Whether the call may write rows: a key with the write scope, or any call when the server has no API keys.</summary>
    public static bool MayWrite(ServerCallContext context) => KeyOf(context)?.Has(Scope.Write) ?? true;

    /// <summary>"key:NAME" when API keys are in force, else the peer's address (without its port).</summary>
    public static string Of(ServerCallContext context)
    {
        if (context.UserState.TryGetValue(KeyItem, out var key) && key is ApiKey apiKey) return "key:" + apiKey.Name;
        var peer = context.Peer;
        var port = peer.LastIndexOf(':');
        return port > 0 ? peer[..port] : peer;
    }
}
