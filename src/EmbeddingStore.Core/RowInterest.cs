namespace EmbeddingStore.Core;

/// <summary>
/// Which rows a subscription follows: a set of tokens, a token prefix, or every row the view's chain of views
/// holds a record for (view-owned rows and fine-tune copies). The token tests see a row's token; whether the
/// token really resolves to that row through the view is the store's to check.
/// </summary>
internal sealed class RowInterest
{
    private readonly HashSet<string>? _tokens;
    private readonly string? _prefix;

    private RowInterest(HashSet<string>? tokens, string? prefix)
    {
        _tokens = tokens;
        _prefix = prefix;
    }

    public static RowInterest From(SubscriptionSpec spec)
    {
        var hasPrefix = !string.IsNullOrEmpty(spec.TokenPrefix);
        if (spec.Tokens.Count > 0 && hasPrefix)
            throw new StoreException(StoreError.InvalidArgument, "subscribe to tokens or to a token prefix, not both");
        if (spec.AfterVersion < 0)
            throw new StoreException(StoreError.InvalidArgument, $"after_version {spec.AfterVersion} is negative");
        if (spec.Tokens.Count > 0)
        {
            foreach (var token in spec.Tokens) Store.ValidateToken(token);
            return new RowInterest([.. spec.Tokens], null);
        }
        return new RowInterest(null, hasPrefix ? spec.TokenPrefix : null);
    }

    /// <summary>Every view-owned row and copy of the chain (neither tokens nor a prefix given).</summary>
    public bool AllViewRows => _tokens is null && _prefix is null;

    public IReadOnlyCollection<string>? Tokens => _tokens;

    public string? Prefix => _prefix;

    public bool Matches(string token) =>
        _tokens?.Contains(token) ?? (_prefix is null || token.StartsWith(_prefix, StringComparison.Ordinal));
}
