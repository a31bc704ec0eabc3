using System.Diagnostics;

namespace StoreBench.Peers;

/// <summary>
/// The disk limit: MB/s of a plain sequential write of 1 MiB buffers into a file beside the store's data, made
/// durable with one fsync at the end. An import that writes every row to the store's log and checkpoints it
/// before answering cannot run faster than this.
/// </summary>
public static class DiskWrite
{
    private const int BufferBytes = 1 << 20;

    public static async Task<double> MegabytesPerSecondAsync(string directory, long bytes, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, "disk-write-test.bin");
        var buffer = new byte[BufferBytes];
        new Random(1).NextBytes(buffer);
        var clock = Stopwatch.StartNew();
        try
        {
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                for (long written = 0; written < bytes; written += BufferBytes)
                    await file.WriteAsync(buffer, cancellationToken);
                file.Flush(flushToDisk: true);
            }
            return bytes / clock.Elapsed.TotalSeconds / 1e6;
        }
        finally { File.Delete(path); }
    }
}
