using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace VectorFormats;

/// <summary>
/// Parses the rows of another reader on a thread of its own, a few chunks of rows ahead of the caller, so that
/// parsing a file (a text file's number parsing above all) runs beside what the caller does with each row (the
/// store's import inserting it). The caller sees exactly the inner reader: the same rows in the same order, the
/// same <see cref="BytesRead"/> after each row, and a malformed row's <see cref="VectorFormatException"/> thrown by
/// the call that reaches it, after every row before it.
/// </summary>
/// <remarks>
/// Memory stays bounded: <see cref="ChunksAhead"/> chunks of about <see cref="FloatsPerChunk"/> values each, reused.
/// Not for use from several threads at once (no reader is). Disposing stops the parsing thread and disposes the
/// inner reader.
/// </remarks>
public sealed class ReadAheadVectorReader : IVectorReader
{
    /// <summary>Chunks parsed ahead of the one being read (and so the most rows held beyond it).</summary>
    public const int ChunksAhead = 3;

    /// <summary>Values per chunk (rows per chunk: this over the dimension, at least one row).</summary>
    public const int FloatsPerChunk = 64 * 1024;

    private readonly IVectorReader _inner;
    private readonly BlockingCollection<Chunk> _parsed = new(ChunksAhead);
    private readonly BlockingCollection<Chunk> _free = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private Chunk? _current;
    private int _next;
    private long _bytesRead;
    private bool _disposed;

    /// <param name="inner">The reader to parse ahead; owned by this one from now on.</param>
    /// <param name="rowsPerChunk">Rows per chunk; by default <see cref="FloatsPerChunk"/> over the dimension.</param>
    public ReadAheadVectorReader(IVectorReader inner, int rowsPerChunk = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(rowsPerChunk);
        _inner = inner;
        _bytesRead = inner.BytesRead;
        var rows = rowsPerChunk > 0 ? rowsPerChunk : Math.Max(1, FloatsPerChunk / Math.Max(1, inner.Dim));
        // One chunk being read, ChunksAhead parsed, one being filled.
        for (var i = 0; i < ChunksAhead + 2; i++) _free.Add(new Chunk(rows, inner.Dim));
        _thread = new Thread(Parse) { IsBackground = true, Name = "vector-reader" };
        _thread.Start();
    }

    public int Dim => _inner.Dim;
    public long? DeclaredRows => _inner.DeclaredRows;
    public VectorFormat Format => _inner.Format;

    /// <summary>The inner reader's position after the last row handed out, or after the file's end once reached.</summary>
    public long BytesRead => _bytesRead;

    public bool TryReadRow(out string token, Span<float> vector)
    {
        if (vector.Length != Dim)
            throw new ArgumentException($"The vector span must have length {Dim}.", nameof(vector));
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_current is null || _next == _current.Count)
        {
            if (_current is not null)
            {
                _current.Error?.Throw();
                if (_current.Last)
                {
                    _bytesRead = _current.EndBytesRead;
                    token = "";
                    return false;
                }
                _free.Add(_current);
            }
            _current = _parsed.Take();
            _next = 0;
        }
        token = _current.Tokens[_next];
        _current.Vectors.AsSpan(_next * Dim, Dim).CopyTo(vector);
        _bytesRead = _current.BytesRead[_next];
        _next++;
        return true;
    }

    /// <summary>The parsing thread: fills free chunks until the file ends, fails, or the reader is disposed.</summary>
    private void Parse()
    {
        try
        {
            while (true)
            {
                var chunk = _free.Take(_stop.Token);
                chunk.Count = 0;
                try
                {
                    while (chunk.Count < chunk.Tokens.Length)
                    {
                        if (!_inner.TryReadRow(out var token, chunk.Vectors.AsSpan(chunk.Count * Dim, Dim)))
                        {
                            chunk.Last = true;
                            chunk.EndBytesRead = _inner.BytesRead;
                            break;
                        }
                        chunk.Tokens[chunk.Count] = token;
                        chunk.BytesRead[chunk.Count] = _inner.BytesRead;
                        chunk.Count++;
                    }
                }
                catch (Exception e)
                {
                    // Handed over after the rows parsed before it, and thrown by the call that reaches it.
                    chunk.Error = ExceptionDispatchInfo.Capture(e);
                    chunk.Last = true;
                }
                _parsed.Add(chunk, _stop.Token);
                if (chunk.Last) return;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _thread.Join();
        _inner.Dispose();
        _stop.Dispose();
        _parsed.Dispose();
        _free.Dispose();
    }

    private sealed class Chunk(int rows, int dim)
    {
        public readonly string[] Tokens = new string[rows];
        public readonly float[] Vectors = new float[rows * dim];
        public readonly long[] BytesRead = new long[rows];
        public int Count;
        public bool Last;
        public long EndBytesRead;
        public ExceptionDispatchInfo? Error;
    }
}
