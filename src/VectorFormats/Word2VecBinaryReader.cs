using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VectorFormats;

/// <summary>
/// Reads word2vec binary rows: token bytes up to a space, then Dim little-endian float32.
/// Newlines before a token are skipped, as gensim does, so files with or without a "\n" after each
/// row both read. Errors are located by byte offset and 1-based row number.
/// </summary>
internal sealed class Word2VecBinaryReader : IVectorReader
{
    private readonly ByteInput _input;
    private readonly string _source;
    private readonly long _declaredRows;
    private long _rowsRead;

    public Word2VecBinaryReader(ByteInput input, string source, long declaredRows, int dim)
    {
        _input = input;
        _source = source;
        _declaredRows = declaredRows;
        Dim = dim;
    }

    public int Dim { get; }
    public long? DeclaredRows => _declaredRows;
    public VectorFormat Format => VectorFormat.Word2VecBinary;
    public long BytesRead => _input.Position;

    public bool TryReadRow(out string token, Span<float> vector)
    {
        if (vector.Length != Dim)
            throw new ArgumentException($"The vector span must have length {Dim}.", nameof(vector));
        SkipNewlines();
        if (_rowsRead == _declaredRows)
        {
            if (!_input.AtEnd) throw Error(_input.Position, RowParsing.TooManyRows(_declaredRows));
            token = "";
            return false;
        }
        if (_input.AtEnd) throw Error(_input.Position, RowParsing.EndsEarly(_rowsRead, _declaredRows));

        token = ReadToken();
        ReadValues(vector);
        _rowsRead++;
        if (_input.Ensure(1) && _input.Available[0] == (byte)'\n') _input.Advance(1);
        return true;
    }

    private void SkipNewlines()
    {
        while (_input.Ensure(1) && _input.Available[0] == (byte)'\n') _input.Advance(1);
    }

    private string ReadToken()
    {
        long offset = _input.Position;
        int space = _input.IndexOf((byte)' ');
        if (space < 0)
        {
            throw Error(offset, _input.IsFull
                ? $"no space after the token within {_input.Capacity} bytes"
                : "file ends inside a token; " + RowParsing.EndsEarly(_rowsRead, _declaredRows));
        }
        ReadOnlySpan<byte> bytes = _input.Available[..space];
        if (bytes.IsEmpty) throw Error(offset, "empty token");
        if (bytes.Contains((byte)'\n'))
            throw Error(offset, "token contains a newline (is the header's DIM right, and is the file really binary?)");
        string token = RowParsing.DecodeToken(bytes) ?? throw Error(offset, "token is not valid UTF-8");
        _input.Advance(space + 1);
        return token;
    }

    private void ReadValues(Span<float> vector)
    {
        long offset = _input.Position;
        int byteCount = Dim * sizeof(float);
        if (!_input.Ensure(byteCount))
        {
            throw Error(offset, $"file ends inside the row: expected {byteCount} bytes of values, found "
                + $"{_input.Available.Length}; " + RowParsing.EndsEarly(_rowsRead, _declaredRows));
        }
        ReadOnlySpan<byte> bytes = _input.Available[..byteCount];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(vector);
        }
        else
        {
            for (int i = 0; i < vector.Length; i++)
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }
        string? problem = RowParsing.CheckFinite(vector);
        if (problem is not null) throw Error(offset, problem);
        _input.Advance(byteCount);
    }

    private VectorFormatException Error(long offset, string problem) =>
        new(_source, $"byte offset {offset} (row {_rowsRead + 1})", problem);

    public void Dispose() => _input.Dispose();
}
