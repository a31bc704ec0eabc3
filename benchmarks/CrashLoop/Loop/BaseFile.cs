using VectorFormats;

namespace CrashLoop;

/// <summary>The imported file as the vector-format reader reads it: what the table's base rows must stay, bit for bit.</summary>
public sealed class BaseFile
{
    public required string[] Tokens { get; init; }
    public required float[] Vectors { get; init; }
    public required int Dim { get; init; }

    public ReadOnlySpan<float> Row(int index) => Vectors.AsSpan(index * Dim, Dim);

    public static BaseFile Load(string path)
    {
        using var reader = VectorFileReader.Open(File.OpenRead(path), VectorFormat.Auto, Path.GetFileName(path));
        var tokens = new List<string>();
        var vectors = new List<float>();
        var row = new float[reader.Dim];
        while (reader.TryReadRow(out var token, row))
        {
            tokens.Add(token);
            vectors.AddRange(row);
        }
        return new BaseFile { Tokens = [.. tokens], Vectors = [.. vectors], Dim = reader.Dim };
    }
}
