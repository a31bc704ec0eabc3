namespace VectorFormats;

/// <summary>
/// A forward-only window over a stream with one fixed byte buffer, so readers can parse rows in place
/// without copying them into strings or arrays. Bytes stay valid until the next call that fills.
/// </summary>
internal sealed class ByteInput : IDisposable
{
    public const int DefaultCapacity = 1 << 20;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _streamEnded;

    public ByteInput(Stream stream, bool leaveOpen, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffer = new byte[capacity];
    }

    public int Capacity => _buffer.Length;

    /// <summary>Offset in the stream of the first unconsumed byte.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>Bytes read from the stream but not consumed yet.</summary>
    public ReadOnlySpan<byte> Available => _buffer.AsSpan(_start, _end - _start);

    /// <summary>True once the stream has no more bytes and everything read has been consumed.</summary>
    public bool AtEnd => _start == _end && !Fill();

    public void Advance(int count) => _start += count;

    /// <summary>Makes at least <paramref name="count"/> bytes available; false if the stream ends first.</summary>
    public bool Ensure(int count)
    {
        while (_end - _start < count)
        {
            if (!Fill()) return false;
        }
        return true;
    }

    /// <summary>
    /// Index of <paramref name="value"/> within <see cref="Available"/>, reading more as needed;
    /// -1 if the stream ends first or the buffer fills up without it (tell them apart with <see cref="IsFull"/>).
    /// </summary>
    public int IndexOf(byte value)
    {
        int searched = 0;
        while (true)
        {
            int found = Available[searched..].IndexOf(value);
            if (found >= 0) return searched + found;
            searched = _end - _start;
            if (!Fill()) return -1;
        }
    }

    /// <summary>True when the unconsumed bytes fill the whole buffer, so nothing more can be read.</summary>
    public bool IsFull => _end - _start == _buffer.Length;

    /// <summary>Reads more bytes after the unconsumed ones; false at the end of the stream or when full.</summary>
    private bool Fill()
    {
        if (_streamEnded) return false;
        if (_start > 0)
        {
            // Compacting on every fill keeps the logic simple; the moved bytes are at most a partial row.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) return false;
        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _streamEnded = true;
            return false;
        }
        _end += read;
        return true;
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
