namespace Trainer.Training;

/// <summary>
/// Where a model's embedding rows live: the store (through the client library) or an in-process
/// table (tests, and the baseline that measures the store's overhead). Ids are the store's row ids.
/// </summary>
public interface IRowSource : IAsyncDisposable
{
    int Dim { get; }

    /// <summary>Row id that reads as zeros (padding).</summary>
    long PadId { get; }

    /// <summary>Whether the model has a second, static channel (multichannel).</summary>
    bool HasStaticChannel { get; }

    /// <summary>Maps the vocabulary to row ids, creating rows for unknown tokens as the variant allows.</summary>
    Task<long[]> ResolveAsync(IReadOnlyList<string> tokens, CancellationToken cancellationToken);

    /// <summary>
    /// Reads rows into <paramref name="vectors"/> (ids.Length * Dim) and, with a static channel, into
    /// <paramref name="staticVectors"/>; sets <paramref name="trainable"/>[i] for rows a push may change.
    /// </summary>
    Task PullAsync(ReadOnlyMemory<long> ids, Memory<float> vectors, Memory<float> staticVectors, Memory<bool> trainable,
        CancellationToken cancellationToken);

    /// <summary>
    /// Sends summed gradients of trainable rows to the server-side optimizer. A non-empty <paramref name="rowsAfter"/>
    /// (ids.Length * Dim) receives the rows as this push left them.
    /// </summary>
    Task PushAsync(ReadOnlyMemory<long> ids, ReadOnlyMemory<float> gradients, Memory<float> rowsAfter, CancellationToken cancellationToken);
}
