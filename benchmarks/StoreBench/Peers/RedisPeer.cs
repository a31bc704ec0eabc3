using System.Runtime.InteropServices;
using System.Text;

namespace StoreBench.Peers;

/// <summary>
/// Redis or Garnet holding a table as one key per row ("prefix:row index") and packed float32 values:
/// the layout a team would choose to serve embeddings from a key-value cache.
/// </summary>
public sealed class RedisPeer(string name, string address, int? processId)
{
    private const int LoadBatch = 1000;

    public string Name { get; } = name;

    public string Address { get; } = address;

    /// <summary>CPU time of the peer's process, when its id is known.</summary>
    public Func<TimeSpan>? CpuTime { get; } = processId is { } pid ? () => System.Diagnostics.Process.GetProcessById(pid).TotalProcessorTime : null;

    public static byte[] Key(string prefix, int row) => Encoding.ASCII.GetBytes($"{prefix}:{row}");

    /// <summary>Writes every row with pipelined SETs of <see cref="LoadBatch"/> rows.</summary>
    public async Task LoadAsync(string prefix, float[] rows, int dim, CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(Address, cancellationToken);
        var count = rows.Length / dim;
        for (var start = 0; start < count; start += LoadBatch)
        {
            var end = Math.Min(count, start + LoadBatch);
            for (var r = start; r < end; r++)
            {
                connection.Command("SET", 2);
                connection.Bulk(Key(prefix, r));
                connection.Bulk(MemoryMarshal.AsBytes(rows.AsSpan(r * dim, dim)));
            }
            await connection.FlushAsync(cancellationToken);
            for (var r = start; r < end; r++) await connection.ReadStatusAsync(cancellationToken);
        }
    }

    /// <summary>One client's connection, with its output buffer; not shared between clients.</summary>
    public sealed class Client(RespConnection connection, byte[][] keys, int dim) : IAsyncDisposable
    {
        private readonly byte[] _row = new byte[dim * sizeof(float)];

        /// <summary>
        /// MGET of the rows into <paramref name="destination"/> (rows.Length * dim packed floats, readable through
        /// MemoryMarshal.Cast without a copy), one round trip.
        /// </summary>
        public async Task PullAsync(int[] rows, byte[] destination, CancellationToken cancellationToken)
        {
            connection.Command("MGET", rows.Length);
            foreach (var r in rows) connection.Bulk(keys[r]);
            await connection.FlushAsync(cancellationToken);
            var count = await connection.ReadArrayHeaderAsync(cancellationToken);
            if (count != rows.Length) throw new InvalidOperationException($"MGET returned {count} values for {rows.Length} keys");
            var rowBytes = dim * sizeof(float);
            for (var i = 0; i < count; i++)
                await connection.ReadBulkAsync(destination.AsMemory(i * rowBytes, rowBytes), cancellationToken);
        }

        /// <summary>
        /// The nearest equivalent of a server-side update: pipelined GETs, the update added in the client,
        /// pipelined SETs (two round trips, not atomic, no optimizer state).
        /// </summary>
        public async Task PushAsync(int[] rows, float[] update, CancellationToken cancellationToken)
        {
            foreach (var r in rows)
            {
                connection.Command("GET", 1);
                connection.Bulk(keys[r]);
            }
            await connection.FlushAsync(cancellationToken);
            for (var i = 0; i < rows.Length; i++)
            {
                await connection.ReadBulkAsync(_row, cancellationToken);
                AddInto(_row, update.AsSpan(i * dim, dim));
                connection.Command("SET", 2);
                connection.Bulk(keys[rows[i]]);
                connection.Bulk(_row);
            }
            await connection.FlushAsync(cancellationToken);
            for (var i = 0; i < rows.Length; i++) await connection.ReadStatusAsync(cancellationToken);
        }

        private static void AddInto(byte[] row, ReadOnlySpan<float> update)
        {
            var w = MemoryMarshal.Cast<byte, float>(row.AsSpan());
            for (var d = 0; d < w.Length; d++) w[d] -= update[d];
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }

    public async Task<Client> ConnectAsync(string prefix, int rowCount, int dim, CancellationToken cancellationToken)
    {
        var keys = new byte[rowCount][];
        for (var r = 0; r < rowCount; r++) keys[r] = Key(prefix, r);
        return new Client(await RespConnection.ConnectAsync(Address, cancellationToken), keys, dim);
    }
}
