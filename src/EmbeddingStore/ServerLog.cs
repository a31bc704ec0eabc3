namespace EmbeddingStore.Server;

/// <summary>The server's log messages, source-generated, with fixed event ids.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "EmbeddingStore starting: data in {DataDir}, imports from {ImportDir}, {MemoryMb} MB log memory, checkpoint every {CheckpointSeconds} s")]
    public static partial void Starting(ILogger logger, string dataDir, string importDir, int memoryMb, int checkpointSeconds);

    [LoggerMessage(2, LogLevel.Information, "Store ready after {Milliseconds} ms (recovery included)")]
    public static partial void StoreReady(ILogger logger, long milliseconds);

    [LoggerMessage(14, LogLevel.Information, "Writes are refused while less than {Reserve} is free")]
    public static partial void DiskReserve(ILogger logger, string reserve);

    [LoggerMessage(3, LogLevel.Critical, "The store could not be opened; stopping")]
    public static partial void StoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Store closed after a final checkpoint")]
    public static partial void StoreClosed(ILogger logger);

    [LoggerMessage(5, LogLevel.Warning, "Listening on {Host}, which is not a loopback address, without {Missing} (--allow-insecure): anyone who can reach it can {Exposure}")]
    public static partial void InsecureNotLoopback(ILogger logger, string host, string missing, string exposure);

    [LoggerMessage(6, LogLevel.Information, "Import of {Source} into table {Table} finished: {Rows} rows of {Dim} dims, {Megabytes:F1} MB in {Seconds:F1} s ({MegabytesPerSecond:F1} MB/s)")]
    public static partial void ImportFinished(ILogger logger, string source, string table, long rows, int dim, double megabytes, double seconds, double megabytesPerSecond);

    [LoggerMessage(9, LogLevel.Information, "Import of {Source} into table {Table} started ({Megabytes:F1} MB announced; 0 when unknown)")]
    public static partial void ImportStarted(ILogger logger, string source, string table, double megabytes);

    [LoggerMessage(7, LogLevel.Error, "{Method} failed")]
    public static partial void CallFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(8, LogLevel.Information, "Security: {Access}, {Transport}; listening on {Host}")]
    public static partial void Security(ILogger logger, string access, string transport, string host);

    [LoggerMessage(12, LogLevel.Information, "API keys reloaded from {KeyFile}: {Count} keys")]
    public static partial void KeysReloaded(ILogger logger, string keyFile, int count);

    [LoggerMessage(13, LogLevel.Error, "API key file rejected, the previous keys stay in force: {Problem}")]
    public static partial void KeyFileRejected(ILogger logger, string problem);

    [LoggerMessage(15, LogLevel.Error, "Checking an open stream's API key again after a reload of the key file failed")]
    public static partial void KeyRecheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Information, "EmbeddingStore listening on {Url}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(11, LogLevel.Information, "Metrics at {Url}")]
    public static partial void MetricsAt(ILogger logger, string url);
}
