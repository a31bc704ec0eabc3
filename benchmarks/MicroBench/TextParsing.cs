using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using VectorFormats;

namespace MicroBench;

/// <summary>
/// Reading a word2vec text file (what an import of GloVe or fastText text does before inserting): the store's
/// reader against the peer any reader would start from, .NET's own float.Parse on each field of each line.
/// Both decode every token and every value of the same 2,000 rows, held in memory.
/// </summary>
[MemoryDiagnoser]
public class TextParsing
{
    private const int Rows = 2_000;
    private byte[] _file = [];
    private float[] _vector = [];

    [Params(100, 300)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Values like GloVe's: about 0.4 in size, half negative, printed with six significant digits.
        var random = new Random(7);
        var text = new StringBuilder($"{Rows} {Dim}\n");
        for (var r = 0; r < Rows; r++)
        {
            text.Append("word").Append(r);
            for (var d = 0; d < Dim; d++)
                text.Append(' ').Append(((random.NextSingle() - 0.5f) * 0.8f).ToString("G6", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        _file = Encoding.UTF8.GetBytes(text.ToString());
        _vector = new float[Dim];
    }

    [Benchmark(Baseline = true, Description = "float.Parse per field")]
    public float FloatParse()
    {
        ReadOnlySpan<byte> rest = _file.AsSpan(_file.AsSpan().IndexOf((byte)'\n') + 1);
        float sum = 0;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = rest[..end];
            rest = rest[(end + 1)..];
            var space = line.IndexOf((byte)' ');
            _ = Encoding.UTF8.GetString(line[..space]);
            line = line[(space + 1)..];
            for (var d = 0; d < Dim; d++)
            {
                space = line.IndexOf((byte)' ');
                var field = space < 0 ? line : line[..space];
                _vector[d] = float.Parse(field, NumberStyles.Float, CultureInfo.InvariantCulture);
                line = space < 0 ? default : line[(space + 1)..];
            }
            sum += _vector[0];
        }
        return sum;
    }

    [Benchmark(Description = "VectorFileReader")]
    public float Reader()
    {
        using var reader = VectorFileReader.Open(new MemoryStream(_file), VectorFormat.Word2VecText, "bench.vec");
        float sum = 0;
        while (reader.TryReadRow(out _, _vector)) sum += _vector[0];
        return sum;
    }
}
