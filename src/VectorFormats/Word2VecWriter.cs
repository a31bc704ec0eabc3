using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace VectorFormats;

/// <summary>Encodes rows into one reusable byte buffer and hands the stream large writes.</summary>
internal sealed class Word2VecWriter : IVectorWriter
{
    private const int FlushThreshold = 1 << 20;
    // The longest "R" rendering of a float, e.g. "-1.17549435E-38", plus its separating space.
    private const int MaxTextValueBytes = 16;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _binary;
    private readonly long _declaredRows;
    private readonly int _dim;
    private byte[] _buffer = new byte[FlushThreshold];
    private int _used;
    private long _rowsWritten;
    private bool _disposed;

    public Word2VecWriter(Stream stream, bool leaveOpen, bool binary, long declaredRows, int dim)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _binary = binary;
        _declaredRows = declaredRows;
        _dim = dim;
        _used = Encoding.ASCII.GetBytes($"{declaredRows} {dim}\n", _buffer);
    }

    public void WriteRow(string token, ReadOnlySpan<float> vector)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(token);
        byte[] tokenBytes = EncodeToken(token);
        if (vector.Length != _dim)
            throw new ArgumentException($"Expected {_dim} values, got {vector.Length}.", nameof(vector));
        string? problem = RowParsing.CheckFinite(vector);
        if (problem is not null) throw new ArgumentException($"Row \"{token}\": {problem}.", nameof(vector));
        if (_rowsWritten == _declaredRows)
            throw new InvalidOperationException($"All {_declaredRows} rows declared in the header are already written.");

        int rowBytes = tokenBytes.Length + 2 + _dim * (_binary ? sizeof(float) : MaxTextValueBytes);
        Reserve(rowBytes);
        Span<byte> row = _buffer.AsSpan(_used);
        tokenBytes.CopyTo(row);
        int at = tokenBytes.Length;
        row[at++] = (byte)' ';
        at += _binary ? WriteBinaryValues(vector, row[at..]) : WriteTextValues(vector, row[at..]);
        row[at++] = (byte)'\n';
        _used += at;
        _rowsWritten++;
    }

    private static byte[] EncodeToken(string token)
    {
        if (token.Length == 0) throw new ArgumentException("The token is empty.", nameof(token));
        if (token.AsSpan().IndexOfAny(" \n\r") >= 0)
            throw new ArgumentException($"The token \"{token}\" contains a space or line break.", nameof(token));
        try
        {
            return StrictUtf8.GetBytes(token);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("The token is not valid UTF-16 (lone surrogate).", nameof(token), e);
        }
    }

    private static int WriteBinaryValues(ReadOnlySpan<float> vector, Span<byte> destination)
    {
        for (int i = 0; i < vector.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], vector[i]);
        return vector.Length * sizeof(float);
    }

    private static int WriteTextValues(ReadOnlySpan<float> vector, Span<byte> destination)
    {
        int at = 0;
        for (int i = 0; i < vector.Length; i++)
        {
            if (i > 0) destination[at++] = (byte)' ';
            vector[i].TryFormat(destination[at..], out int written, "R", CultureInfo.InvariantCulture);
            at += written;
        }
        return at;
    }

    private void Reserve(int bytes)
    {
        if (_buffer.Length - _used >= bytes) return;
        Flush();
        if (_buffer.Length < bytes) _buffer = new byte[bytes];
    }

    private void Flush()
    {
        _stream.Write(_buffer, 0, _used);
        _used = 0;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Flush();
        _stream.Flush();
        if (!_leaveOpen) _stream.Dispose();
        if (_rowsWritten != _declaredRows)
            throw new InvalidOperationException($"Wrote {_rowsWritten} of the {_declaredRows} rows declared in the header.");
    }
}
