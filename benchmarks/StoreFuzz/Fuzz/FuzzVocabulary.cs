using System.Globalization;
using System.Text;

namespace StoreFuzz;

/// <summary>
/// What plausible requests name: the fuzz table and views (which requests may create, change and delete), tokens of
/// the fuzz table, files in the import folder, row ids seen in answers. Never a sentinel's name: the sentinels are the
/// rows no request may touch. Thread-safe.
/// </summary>
public sealed class FuzzVocabulary
{
    public const string SentinelPrefix = "sentinel";
    public const int TableDim = 8;
    public const int TableRows = 300;

    /// <summary>Names requests may use; the runner creates some of them at the start, requests create and delete the rest.</summary>
    public static readonly string[] Names = ["ft", "fv", "fv-tune", "fv-layer", "fv-static", "ft-2", "fv-snap", "fv-new", "fv-x"];

    private static readonly string[] Files = ["ft.txt", "ft.bin", "bad.txt", "nope.txt", "../ft.txt", "/etc/passwd", "", "sub/../ft.txt", "link.txt"];

    private readonly long[] _ids = new long[4096];
    private int _idCount;
    private readonly Lock _lock = new();

    public static string TokenAt(int row) => row switch
    {
        0 => "the",
        1 => ",",
        2 => "caf\u00e9",
        3 => "<unk>",
        _ => "w" + row.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The fuzz table as a word2vec text file: <see cref="TableRows"/> rows of <see cref="TableDim"/> values.</summary>
    public static string TableText(int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder($"{TableRows} {TableDim}\n");
        for (var row = 0; row < TableRows; row++)
        {
            text.Append(TokenAt(row));
            for (var d = 0; d < TableDim; d++) text.Append(' ').Append(((float)(random.NextDouble() - 0.5)).ToString("R", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Mostly the names the runner creates (so that requests get past the lookup), sometimes others.</summary>
    public string Name(Random random) => random.NextDouble() switch
    {
        < 0.6 => Names[random.Next(5)],
        < 0.9 => Names[random.Next(Names.Length)],
        _ => "fz-" + random.Next(20).ToString(CultureInfo.InvariantCulture),
    };

    public string Token(Random random) => random.Next(12) switch
    {
        0 => "<pad>",
        1 => "new-" + random.Next(200).ToString(CultureInfo.InvariantCulture),
        2 => "@user",
        _ => TokenAt(random.Next(TableRows)),
    };

    public string Path(Random random) => Files[random.Next(Files.Length)];

    public int Dim(Random random) => random.NextDouble() < 0.85 ? TableDim : random.Next(1, 20);

    public long Id(Random random)
    {
        lock (_lock)
        {
            if (_idCount > 0 && random.NextDouble() < 0.9) return _ids[random.Next(Math.Min(_idCount, _ids.Length))];
        }
        return random.Next(4) switch { 0 => 0, 1 => random.Next(1000), _ => random.NextInt64(1L << 48) };
    }

    public void SawIds(IEnumerable<long> ids)
    {
        lock (_lock)
            foreach (var id in ids)
                _ids[_idCount++ % _ids.Length] = id;
    }

    /// <summary>An upload chunk's data: part of a vector file, a corrupt one, or noise.</summary>
    public byte[] FileBytes(Random random, bool extreme)
    {
        var text = random.Next(4) switch
        {
            0 => TableText(random.Next()),
            1 => $"2 {TableDim}\nx {string.Join(' ', Enumerable.Repeat(extreme ? "nan" : "0.5", TableDim))}\ny 1 2\n",
            2 => "3 4\na 1 2 3 4\na 1 2 3 4\n\u00ff\u00fe 1 2 3 4\n",
            _ => "",
        };
        if (text.Length > 0) return Encoding.UTF8.GetBytes(text);
        var bytes = new byte[random.Next(0, 4096)];
        random.NextBytes(bytes);
        return bytes;
    }
}
