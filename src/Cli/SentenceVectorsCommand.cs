using System.CommandLine;
using System.Globalization;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Cli;

/// <summary>
/// <c>sentence-vectors</c>: one sentence per line (tokens separated by white space, used as written) from a file or
/// stdin, one vector per line out, as TSV or as word2vec text whose tokens are <c>sentence-LINE</c>.
/// </summary>
public static class SentenceVectorsCommand
{
    /// <summary>Sentences per request: far below the server's token limit for sentences of ordinary length.</summary>
    private const int Batch = 1000;

    public static Command Build()
    {
        var view = new Option<string>("--view") { Description = "view to read word vectors through", Required = true };
        var input = new Option<string>("--file") { Description = "sentences, one per line (default: stdin)" };
        var output = new Option<string>("--out") { Description = "file to write (default: stdout)" };
        var sif = new Option<bool>("--sif") { Description = "SIF weights a/(a+p(w)), p from the word's rank in the table, instead of the plain mean" };
        var sifA = new Option<float>("--sif-a") { Description = "SIF's a (0: 1e-3)" };
        var format = new Option<string>("--format") { Description = "tsv or word2vec (text)", DefaultValueFactory = _ => "tsv" };
        format.AcceptOnlyFromAmong("tsv", "word2vec");
        var command = new Command("sentence-vectors", "mean (or SIF-weighted mean) word vector of each input line") { view, input, output, sif, sifA, format };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var lines = parsed.GetValue(input) is { } path ? await File.ReadAllLinesAsync(path, ct) : await ReadStdinAsync(ct);
            var sentences = lines.Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToList();
            var weighting = parsed.GetValue(sif) ? SentenceWeighting.Sif : SentenceWeighting.Mean;
            var vectors = new List<float[]>(sentences.Count);
            var dim = 0;
            var empty = 0;
            foreach (var chunk in sentences.Chunk(Batch))
            {
                var reply = await client.SentenceVectorsAsync(parsed.GetValue(view)!, chunk, weighting, parsed.GetValue(sifA), ct);
                dim = reply.Dim;
                for (var i = 0; i < chunk.Length; i++) vectors.Add(reply.Vectors[(i * dim)..((i + 1) * dim)]);
                empty += reply.TokensUsed.Count(n => n == 0);
            }
            await using var writer = parsed.GetValue(output) is { } outPath ? new StreamWriter(outPath) : new StreamWriter(Console.OpenStandardOutput());
            await Write(writer, vectors, dim, parsed.GetValue(format) == "word2vec");
            await Console.Error.WriteLineAsync($"{vectors.Count} sentence vectors of {dim} dimensions; {empty} sentence(s) without a known token read as zeros");
        }));
        return command;
    }

    private static async Task<string[]> ReadStdinAsync(CancellationToken ct)
    {
        var lines = new List<string>();
        while (await Console.In.ReadLineAsync(ct) is { } line) lines.Add(line);
        return [.. lines];
    }

    private static async Task Write(TextWriter writer, List<float[]> vectors, int dim, bool word2vec)
    {
        var separator = word2vec ? " " : "\t";
        if (word2vec) await writer.WriteLineAsync($"{vectors.Count} {dim}");
        for (var i = 0; i < vectors.Count; i++)
        {
            var values = string.Join(separator, vectors[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            await writer.WriteLineAsync(word2vec ? $"sentence-{i + 1} {values}" : values);
        }
    }
}
