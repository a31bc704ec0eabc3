namespace EmbeddingStore.Core;

/// <summary>Error kinds of the core. The gRPC host maps each to one status code.</summary>
public enum StoreError
{
    NotFound,
    AlreadyExists,
    InvalidArgument,
    FailedPrecondition,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
    /// <summary>A concurrent change got in the way (a view deleted during its export); the same request may succeed again.</summary>
    Aborted,
}

/// <summary>A refused request: the caller's mistake or a state that forbids it. Nothing was changed.</summary>
public sealed class StoreException(StoreError error, string message) : Exception(message)
{
    public StoreError Error { get; } = error;
}
