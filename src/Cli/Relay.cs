namespace EmbeddingStore.Cli;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread; <see cref="Progress{T}"/> would post reports
/// to the thread pool, where they can arrive out of order and after the operation has finished.
/// </summary>
internal sealed class Relay<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
