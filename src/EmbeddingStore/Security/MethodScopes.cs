using EmbeddingStore.Core;
using EmbeddingStore.Protos;
using CoreUnknownPolicy = EmbeddingStore.Core.UnknownPolicy;
using UnknownPolicy = EmbeddingStore.Protos.UnknownPolicy;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// What each RPC needs: its scope, and the views its request names (checked against the key's view patterns).
/// Every method of the store's services must have an entry: a method without one is refused for every key, and a
/// test fails, so a new RPC cannot go out unprotected. Health and reflection belong to other packages and stay open.
/// </summary>
public static class MethodScopes
{
    /// <summary>The store's own proto package; methods outside it (health, reflection) need no key.</summary>
    public const string Package = "embstore.v1";

    /// <param name="Scope">The scope the call needs, given its request (null for client streams) and the store.</param>
    /// <param name="Views">The views the request names.</param>
    /// <param name="Least">The least scope any call of the method needs: checked from the headers alone, before the request is read
    /// (<see cref="KeyCheckMiddleware"/>).</param>
    public sealed record Rule(Func<object?, Func<IEmbeddingStore>, Scope> Scope, Func<object?, IEnumerable<string>> Views, Scope Least);

    public static IReadOnlyDictionary<string, Rule> Rules { get; } = new Dictionary<string, Rule>
    {
        [Admin("ImportFile")] = Fixed(Security.Scope.Admin),
        [Admin("UploadFile")] = Fixed(Security.Scope.Admin),
        [Admin("CreateTable")] = Fixed(Security.Scope.Admin),
        [Admin("ListTables")] = Fixed(Security.Scope.Read),
        [Admin("DescribeTable")] = Fixed(Security.Scope.Read),
        [Admin("DeleteTable")] = Fixed(Security.Scope.Admin),
        [Admin("CreateView")] = Fixed<CreateViewRequest>(Security.Scope.Admin,
            r => r.ParentCase == CreateViewRequest.ParentOneofCase.View ? [r.Name, r.View] : [r.Name]),
        [Admin("ListViews")] = Fixed(Security.Scope.Read),
        [Admin("DescribeView")] = Fixed<DescribeViewRequest>(Security.Scope.Read, r => [r.Name]),
        [Admin("DeleteView")] = Fixed<DeleteViewRequest>(Security.Scope.Admin, r => [r.Name]),
        [Admin("Export")] = Fixed<ExportRequest>(Security.Scope.Admin, r => [r.View]),
        [Admin("Checkpoint")] = Fixed(Security.Scope.Admin),
        [Admin("CreateSnapshot")] = Fixed<CreateSnapshotRequest>(Security.Scope.Admin, r => [r.View, r.Name]),

        [Rows("Resolve")] = new((r, store) => CreatesRows(((ResolveRequest)r!).View, ((ResolveRequest)r!).UnknownPolicy, store),
            r => [((ResolveRequest)r!).View], Security.Scope.Read),
        [Rows("Pull")] = new((r, store) => r is PullRequest { Tokens.Count: > 0 } pull
                ? CreatesRows(pull.View, pull.UnknownPolicy, store)
                : Security.Scope.Read,
            r => [((PullRequest)r!).View], Security.Scope.Read),
        [Rows("Push")] = Fixed<PushRequest>(Security.Scope.Write, r => [r.View]),
        [Rows("Subscribe")] = Fixed<SubscribeRequest>(Security.Scope.Read, r => [r.View]),
        [Rows("Neighbors")] = Fixed<NeighborsRequest>(Security.Scope.Read, r => [r.View]),
        [Rows("SentenceVectors")] = Fixed<SentenceVectorsRequest>(Security.Scope.Read, r => [r.View]),
        [Rows("PullCombined")] = Fixed<PullCombinedRequest>(Security.Scope.Read, r => r.Sources),
    };

    private static string Admin(string method) => $"/{Protos.Admin.Descriptor.FullName}/{method}";
    private static string Rows(string method) => $"/{Protos.Rows.Descriptor.FullName}/{method}";

    private static Rule Fixed(Scope scope) => new((_, _) => scope, _ => [], scope);

    private static Rule Fixed<TRequest>(Scope scope, Func<TRequest, IEnumerable<string>> views) =>
        new((_, _) => scope, r => views((TRequest)r!), scope);

    /// <summary>
    /// A call that may create rows writes to the view: CREATE asked for, or left to a view whose default is CREATE.
    /// An unknown view needs only read: the handler answers NOT_FOUND, which a reader of that name may learn anyway.
    /// UNK needs only read, since it maps to the view's existing unk row; the first UNK call of a view would create that
    /// row, which the core refuses to a caller without the write scope (<see cref="CallerIdentity.MayWrite"/>), decided
    /// when the row is looked up, so that a row evicted after this check is not re-created by a reader either.
    /// </summary>
    private static Scope CreatesRows(string view, UnknownPolicy policy, Func<IEmbeddingStore> store)
    {
        if (policy == UnknownPolicy.Create) return Security.Scope.Write;
        if (policy != UnknownPolicy.Unspecified) return Security.Scope.Read;
        try { return store().DescribeView(view).UnknownPolicy == CoreUnknownPolicy.Create ? Security.Scope.Write : Security.Scope.Read; }
        catch (StoreException e) when (e.Error == StoreError.NotFound) { return Security.Scope.Read; }
    }
}
