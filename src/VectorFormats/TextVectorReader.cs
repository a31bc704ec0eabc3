namespace VectorFormats;

/// <summary>
/// Reads "token v1 ... vDim" lines: word2vec text / fastText .vec (after the header) and GloVe text.
/// Fields are separated by single spaces; a trailing space and "\r\n" line ends are tolerated, as are
/// blank lines at the very end of the file. Errors are located by 1-based line number.
/// </summary>
/// <remarks>
/// Token boundaries differ by format. word2vec text ends the token at the first space, like gensim, so
/// a line with extra fields is an error. GloVe files (840B in particular) have a few tokens containing
/// spaces, so there the last Dim fields are the values and everything before them is the token; a GloVe
/// line with too many values therefore reads as a token with spaces, while too few values is an error.
/// </remarks>
internal sealed class TextVectorReader : IVectorReader
{
    private readonly ByteInput _input;
    private readonly string _source;
    private long _lineNumber;
    private long _rowsRead;
    private long _firstBlankLine;

    /// <param name="linesBefore">Lines already consumed (the header), so numbering matches the file.</param>
    public TextVectorReader(ByteInput input, string source, VectorFormat format, long? declaredRows, int dim, long linesBefore)
    {
        _input = input;
        _source = source;
        Format = format;
        DeclaredRows = declaredRows;
        Dim = dim;
        _lineNumber = linesBefore;
    }

    public int Dim { get; }
    public long? DeclaredRows { get; }
    public VectorFormat Format { get; }
    public long BytesRead => _input.Position;

    public bool TryReadRow(out string token, Span<float> vector)
    {
        if (vector.Length != Dim)
            throw new ArgumentException($"The vector span must have length {Dim}.", nameof(vector));
        while (TryReadLine(out ReadOnlySpan<byte> line))
        {
            line = RowParsing.TrimEnd(line);
            if (line.IsEmpty)
            {
                if (_firstBlankLine == 0) _firstBlankLine = _lineNumber;
                continue;
            }
            // A blank line is only harmless when nothing follows it.
            if (_firstBlankLine != 0) throw Error(_firstBlankLine, "empty line");
            if (_rowsRead == DeclaredRows) throw Error(_lineNumber, RowParsing.TooManyRows(_rowsRead));

            token = ParseRow(line, vector);
            _rowsRead++;
            return true;
        }
        if (DeclaredRows is long declared && _rowsRead < declared)
            throw Error(_lineNumber + 1, RowParsing.EndsEarly(_rowsRead, declared));
        token = "";
        return false;
    }

    private bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        int newline = _input.IndexOf((byte)'\n');
        if (newline < 0)
        {
            if (_input.IsFull) throw Error(_lineNumber + 1, $"line is longer than {_input.Capacity} bytes");
            newline = _input.Available.Length;
            if (newline == 0)
            {
                line = default;
                return false;
            }
        }
        line = _input.Available[..newline];
        _input.Advance(Math.Min(newline + 1, _input.Available.Length));
        _lineNumber++;
        return true;
    }

    private string ParseRow(ReadOnlySpan<byte> line, Span<float> vector)
    {
        int spaces = line.Count((byte)' ');
        int tokenSpaces = Format == VectorFormat.GloveText ? Math.Max(0, spaces - Dim) : 0;
        int split = IndexOfSpace(line, tokenSpaces + 1);
        ReadOnlySpan<byte> tokenBytes = split < 0 ? line : line[..split];
        ReadOnlySpan<byte> values = split < 0 ? default : line[(split + 1)..];

        int found = spaces - tokenSpaces;
        if (found != Dim) throw Error(_lineNumber, $"expected {Dim} values, found {found}");
        if (tokenBytes.IsEmpty) throw Error(_lineNumber, "empty token");
        string token = RowParsing.DecodeToken(tokenBytes) ?? throw Error(_lineNumber, "token is not valid UTF-8");

        // Plain decimals are parsed in the pass that finds their end; anything else goes the general way.
        int at = 0;
        for (int i = 0; i < Dim; i++)
        {
            if (SimpleDecimal.TryParseField(values, at, out vector[i], out int end))
            {
                at = end + 1;
                continue;
            }
            ReadOnlySpan<byte> rest = at < values.Length ? values[at..] : default;
            int space = rest.IndexOf((byte)' ');
            ReadOnlySpan<byte> field = space < 0 ? rest : rest[..space];
            string? problem = RowParsing.ParseValue(field, i, out vector[i]);
            if (problem is not null) throw Error(_lineNumber, problem);
            at += field.Length + 1;
        }
        return token;
    }

    /// <summary>Index of the <paramref name="nth"/> space (1-based), or -1 when there are fewer.</summary>
    private static int IndexOfSpace(ReadOnlySpan<byte> line, int nth)
    {
        int at = -1;
        for (int i = 0; i < nth; i++)
        {
            int next = line[(at + 1)..].IndexOf((byte)' ');
            if (next < 0) return -1;
            at += next + 1;
        }
        return at;
    }

    private VectorFormatException Error(long line, string problem) => new(_source, $"line {line}", problem);

    public void Dispose() => _input.Dispose();
}
