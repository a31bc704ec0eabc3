namespace EmbeddingStore.Core;

/// <summary>
/// What a subscriber follows through <see cref="SubscriptionSpec.View"/>: the rows of <see cref="Tokens"/>, or of
/// every token starting with <see cref="TokenPrefix"/>, or, when both are empty, every row the view or one of its
/// ancestor views owns or has copied (the rows training can change). <see cref="AfterVersion"/> 0 asks for the
/// current state first; otherwise the last version the subscriber saw.
/// </summary>
public sealed record SubscriptionSpec(string View, IReadOnlyList<string> Tokens, string? TokenPrefix, long AfterVersion);

/// <summary>One row as a subscriber receives it: its token, how it reads through the view, and its vector.</summary>
public sealed record ChangedRow(string Token, RowMeta Meta, float[] Vector);

/// <summary>
/// One message of a subscription: rows with their latest values, and the version up to which the subscriber
/// has now seen every change. <see cref="CaughtUp"/> ends the initial state or the catch-up; <see cref="Resync"/>
/// says the rows are a full resend because the missed changes were no longer retained.
/// </summary>
public sealed record ChangeSet(IReadOnlyList<ChangedRow> Rows, long Version, bool CaughtUp, bool Resync);
