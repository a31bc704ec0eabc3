using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace StoreBench.Peers;

/// <summary>
/// A minimal RESP2 client for Redis and Garnet: one TCP connection, commands pipelined into one write,
/// bulk replies copied straight into the caller's buffer. Written instead of StackExchange.Redis so that
/// each benchmark client owns one connection (as each store client owns one HTTP/2 connection) and a
/// reply is decoded with the same single copy the store's client does; StackExchange.Redis multiplexes
/// every caller over one connection and allocates a value object per key.
/// </summary>
public sealed class RespConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _out = new byte[1 << 16];
    private int _outLength;
    private readonly byte[] _in = new byte[1 << 18];
    private int _inStart, _inEnd;

    private RespConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RespConnection> ConnectAsync(string hostPort, CancellationToken cancellationToken = default)
    {
        var colon = hostPort.LastIndexOf(':');
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(hostPort[..colon], int.Parse(hostPort[(colon + 1)..]), cancellationToken);
        return new RespConnection(socket);
    }

    /// <summary>Appends one command (an array of bulk strings) to the pending pipeline.</summary>
    public void Command(string name, int keyCount = 0)
    {
        Header('*', 1 + keyCount);
        Bulk(Encoding.ASCII.GetBytes(name));
    }

    /// <summary>Appends one argument of the command being written.</summary>
    public void Bulk(ReadOnlySpan<byte> argument)
    {
        Header('$', argument.Length);
        Reserve(argument.Length + 2);
        argument.CopyTo(_out.AsSpan(_outLength));
        _outLength += argument.Length;
        _out[_outLength++] = (byte)'\r';
        _out[_outLength++] = (byte)'\n';
    }

    /// <summary>Sends everything appended since the last flush in one write.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await _stream.WriteAsync(_out.AsMemory(0, _outLength), cancellationToken);
        _outLength = 0;
    }

    /// <summary>Reads an array reply's header and returns its length.</summary>
    public async ValueTask<int> ReadArrayHeaderAsync(CancellationToken cancellationToken = default)
    {
        var (kind, value) = await ReadHeaderAsync(cancellationToken);
        return kind == '*' ? value : throw new InvalidOperationException($"expected an array, got '{kind}'");
    }

    /// <summary>Reads a bulk reply into <paramref name="destination"/>, which must be exactly its length.</summary>
    public async ValueTask ReadBulkAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var (kind, length) = await ReadHeaderAsync(cancellationToken);
        if (kind != '$' || length != destination.Length)
            throw new InvalidOperationException($"expected a bulk of {destination.Length} bytes, got '{kind}' {length}");
        await FillAsync(length + 2, cancellationToken);
        _in.AsSpan(_inStart, length).CopyTo(destination.Span);
        _inStart += length + 2;
    }

    /// <summary>Reads a status reply such as +OK; an error reply throws.</summary>
    public async ValueTask ReadStatusAsync(CancellationToken cancellationToken = default)
    {
        var (kind, _) = await ReadHeaderAsync(cancellationToken);
        if (kind != '+') throw new InvalidOperationException($"expected a status reply, got '{kind}'");
    }

    private async ValueTask<(char Kind, int Value)> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _in.AsSpan(_inStart, _inEnd - _inStart).IndexOf((byte)'\n')) < 0)
            await FillAsync(_inEnd - _inStart + 1, cancellationToken);
        var line = _in.AsSpan(_inStart, end - 1);
        _inStart += end + 1;
        var kind = (char)line[0];
        if (kind == '-') throw new InvalidOperationException("server error: " + Encoding.ASCII.GetString(line[1..]));
        if (kind == '+') return (kind, 0);
        if (!Utf8Parser.TryParse(line[1..], out int value, out _))
            throw new InvalidOperationException("malformed reply line: " + Encoding.ASCII.GetString(line));
        return (kind, value);
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available in the input buffer.</summary>
    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_inEnd - _inStart >= count) return;
        if (count > _in.Length) throw new InvalidOperationException($"a reply item of {count} bytes does not fit the buffer");
        if (_inStart + count > _in.Length)
        {
            _in.AsSpan(_inStart, _inEnd - _inStart).CopyTo(_in);
            (_inStart, _inEnd) = (0, _inEnd - _inStart);
        }
        while (_inEnd - _inStart < count)
        {
            var read = await _stream.ReadAsync(_in.AsMemory(_inEnd), cancellationToken);
            if (read == 0) throw new EndOfStreamException("the server closed the connection");
            _inEnd += read;
        }
    }

    private void Header(char kind, int value)
    {
        Reserve(16);
        _out[_outLength++] = (byte)kind;
        Utf8Formatter.TryFormat(value, _out.AsSpan(_outLength), out var written);
        _outLength += written;
        _out[_outLength++] = (byte)'\r';
        _out[_outLength++] = (byte)'\n';
    }

    private void Reserve(int bytes)
    {
        if (_outLength + bytes > _out.Length) Array.Resize(ref _out, Math.Max(_out.Length * 2, _outLength + bytes));
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
