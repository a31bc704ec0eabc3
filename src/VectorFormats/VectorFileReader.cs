namespace VectorFormats;

/// <summary>
/// Opens streaming readers for word2vec binary, word2vec text / fastText .vec and GloVe text files.
/// Memory stays bounded (one 1 MiB buffer) whatever the file size.
/// </summary>
/// <remarks>
/// Readers only parse: they yield every row in file order, duplicates included, and leave it to the
/// caller (the store) to decide what a repeated token means.
/// </remarks>
public static class VectorFileReader
{
    /// <summary>
    /// Reads the header (or GloVe's first line) and returns a reader positioned on the first row.
    /// With <see cref="VectorFormat.Auto"/>: a first line of two integers is a word2vec header, and the
    /// file is text when the rest of the next line after its token holds only number characters
    /// (digits, signs, '.', 'e', NaN/Infinity letters, spaces), binary otherwise; any other first line
    /// means GloVe text. A GloVe file whose first row is a numeric token with one value reads as a header.
    /// </summary>
    /// <param name="sourceName">Names the input in error messages, e.g. the file name.</param>
    /// <param name="leaveOpen">Keep <paramref name="stream"/> open when the reader is disposed.</param>
    /// <exception cref="VectorFormatException">The header or first line is malformed.</exception>
    public static IVectorReader Open(Stream stream, VectorFormat format, string sourceName, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        var input = new ByteInput(stream, leaveOpen);
        try
        {
            return format switch
            {
                VectorFormat.Word2VecBinary or VectorFormat.Word2VecText => OpenWithHeader(input, sourceName, format),
                VectorFormat.GloveText => OpenGlove(input, sourceName),
                VectorFormat.Auto => OpenDetected(input, sourceName),
                _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown vector format."),
            };
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    private static IVectorReader OpenDetected(ByteInput input, string source)
    {
        if (!RowParsing.LooksLikeHeader(PeekFirstLine(input, source))) return OpenGlove(input, source);
        (long rows, int dim) = ReadHeader(input, source);
        VectorFormat format = IsTextRow(PeekUpToNewline(input)) ? VectorFormat.Word2VecText : VectorFormat.Word2VecBinary;
        return CreateHeaderReader(input, source, format, rows, dim);
    }

    private static IVectorReader OpenWithHeader(ByteInput input, string source, VectorFormat format)
    {
        (long rows, int dim) = ReadHeader(input, source);
        return CreateHeaderReader(input, source, format, rows, dim);
    }

    private static IVectorReader CreateHeaderReader(ByteInput input, string source, VectorFormat format, long rows, int dim) =>
        format == VectorFormat.Word2VecBinary
            ? new Word2VecBinaryReader(input, source, rows, dim)
            : new TextVectorReader(input, source, format, rows, dim, linesBefore: 1);

    /// <summary>GloVe has no header: the first line's field count fixes Dim, assuming its token has no space.</summary>
    private static IVectorReader OpenGlove(ByteInput input, string source)
    {
        ReadOnlySpan<byte> first = RowParsing.TrimEnd(PeekFirstLine(input, source));
        int dim = first.Count((byte)' ');
        if (dim < 1)
            throw new VectorFormatException(source, "line 1", "expected a \"ROWS DIM\" header or a \"token v1 ... vDIM\" row");
        if (dim > RowParsing.MaxDim)
            throw new VectorFormatException(source, "line 1", $"{dim} values is more than the {RowParsing.MaxDim} supported");
        return new TextVectorReader(input, source, VectorFormat.GloveText, declaredRows: null, dim, linesBefore: 0);
    }

    private static (long Rows, int Dim) ReadHeader(ByteInput input, string source)
    {
        ReadOnlySpan<byte> line = PeekFirstLine(input, source);
        string? problem = RowParsing.ParseHeader(line, out long rows, out int dim);
        if (problem is not null) throw new VectorFormatException(source, "line 1", problem);
        input.Advance(Math.Min(line.Length + 1, input.Available.Length));
        return (rows, dim);
    }

    private static ReadOnlySpan<byte> PeekFirstLine(ByteInput input, string source)
    {
        ReadOnlySpan<byte> line = PeekUpToNewline(input);
        if (input.IsFull && line.Length == input.Available.Length)
            throw new VectorFormatException(source, "line 1", $"line is longer than {input.Capacity} bytes");
        if (input.Available.IsEmpty) throw new VectorFormatException(source, "line 1", "file is empty");
        return line;
    }

    /// <summary>The bytes up to the next newline, or all that fit in the buffer, without consuming them.</summary>
    private static ReadOnlySpan<byte> PeekUpToNewline(ByteInput input)
    {
        int newline = input.IndexOf((byte)'\n');
        return newline >= 0 ? input.Available[..newline] : input.Available;
    }

    /// <summary>
    /// True when what follows the first token is text numbers. Binary floats nearly always hold bytes
    /// outside this small alphabet (their exponent byte alone usually does), and the digit requirement
    /// keeps a binary row whose first value starts with a newline byte from passing as an empty text row.
    /// </summary>
    private static bool IsTextRow(ReadOnlySpan<byte> line)
    {
        int space = line.IndexOf((byte)' ');
        if (space < 0) return !line.IsEmpty;
        ReadOnlySpan<byte> rest = line[(space + 1)..];
        return rest.IndexOfAnyInRange((byte)'0', (byte)'9') >= 0
            && rest.IndexOfAnyExcept("0123456789+-.eE aAfiInNty\r"u8) < 0;
    }
}
