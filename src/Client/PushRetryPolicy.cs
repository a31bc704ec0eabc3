using System.Runtime.CompilerServices;
using Grpc.Core;

namespace EmbeddingStore.Client;

/// <summary>
/// How <see cref="EmbeddingStoreClient"/> retries a push that failed with UNAVAILABLE or DEADLINE_EXCEEDED, the two
/// answers after which the push may or may not have been applied. Every push carries a request id
/// (<c>PushRequest.request_id</c>) and each retry sends the same one, so a store that remembers it applies the push
/// once and answers the repeat with the first answer, flagged <c>replayed</c>. Other calls are never retried, and
/// neither are other status codes. Between attempts the client waits
/// <c>min(MaxBackoff, InitialBackoff * BackoffMultiplier^(retry - 1))</c>, cut at random by up to half (jitter: clients
/// that failed together do not retry together); each attempt gets its own <see cref="EmbeddingStoreClient.CallTimeout"/>.
/// </summary>
public sealed record PushRetryPolicy
{
    /// <summary>Up to 3 attempts, waiting about 100 ms and then 200 ms between them.</summary>
    public static PushRetryPolicy Default { get; } = new();

    /// <summary>One attempt: the first error is thrown.</summary>
    public static PushRetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Attempts in all, the first included; 1 means no retry.</summary>
    public int MaxAttempts { get; init => field = Valid(value, value >= 1, "at least 1"); } = 3;

    /// <summary>The wait before the first retry (before jitter).</summary>
    public TimeSpan InitialBackoff { get; init => field = Valid(value, value >= TimeSpan.Zero, "not negative"); } = TimeSpan.FromMilliseconds(100);

    /// <summary>Each further retry waits this many times longer than the one before.</summary>
    public double BackoffMultiplier { get; init => field = Valid(value, value >= 1, "at least 1"); } = 2;

    /// <summary>The longest wait between two attempts (before jitter).</summary>
    public TimeSpan MaxBackoff { get; init => field = Valid(value, value >= TimeSpan.Zero, "not negative"); } = TimeSpan.FromSeconds(2);

    private static T Valid<T>(T value, bool valid, string rule, [CallerMemberName] string property = "") =>
        valid ? value : throw new ArgumentOutOfRangeException(property, value, rule);

    /// <summary>Whether a push that failed with <paramref name="code"/> is retried (attempts left aside).</summary>
    public static bool IsRetryable(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the second attempt): between half and all of its backoff.</summary>
    public TimeSpan Backoff(int retry, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var full = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(BackoffMultiplier, retry - 1));
        return TimeSpan.FromMilliseconds(full * (0.5 + 0.5 * (random ?? Random.Shared).NextDouble()));
    }
}
