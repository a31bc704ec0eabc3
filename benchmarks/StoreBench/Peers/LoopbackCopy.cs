using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StoreBench.Peers;

/// <summary>
/// The loopback limit: bytes/s of a plain TCP copy of 1 MiB buffers over 127.0.0.1, sender and receiver in
/// this process, with no protocol at all. A store's MB/s over loopback is shown as a fraction of it.
/// </summary>
public static class LoopbackCopy
{
    private const int BufferBytes = 1 << 20;

    public static async Task<double> MegabytesPerSecondAsync(int connections, double seconds, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long received = 0;
        var clock = Stopwatch.StartNew();
        var pairs = Enumerable.Range(0, connections).Select(async _ =>
        {
            using var sender = new TcpClient { NoDelay = true };
            var accepting = listener.AcceptTcpClientAsync(stop.Token);
            await sender.ConnectAsync(IPAddress.Loopback, port, stop.Token);
            using var receiver = await accepting;
            var send = Task.Run(async () =>
            {
                var buffer = new byte[BufferBytes];
                var stream = sender.GetStream();
                // Writes are not cancelled mid-buffer: the receiver then sees a clean end of stream.
                while (!stop.IsCancellationRequested) await stream.WriteAsync(buffer, CancellationToken.None);
                sender.Client.Shutdown(SocketShutdown.Send);
            });
            var buffer = new byte[BufferBytes];
            var stream = receiver.GetStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, CancellationToken.None)) > 0)
                if (!stop.IsCancellationRequested) Interlocked.Add(ref received, read);
            await send;
        }).ToList();
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        var bytes = Interlocked.Read(ref received);
        var elapsed = clock.Elapsed.TotalSeconds;
        stop.Cancel();
        await Task.WhenAll(pairs);
        return bytes / elapsed / 1e6;
    }
}
