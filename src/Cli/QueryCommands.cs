using System.CommandLine;
using System.Globalization;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Cli;

/// <summary><c>neighbours</c> and <c>pull</c>: similarity and combined reads, printed as tables.</summary>
public static class QueryCommands
{
    public static IEnumerable<Command> Build() => [Neighbours(), Pull(), SentenceVectorsCommand.Build()];

    private static Command Neighbours()
    {
        var view = new Option<string>("--view") { Description = "view to search", Required = true };
        var token = new Option<string>("--token") { Description = "query token" };
        var vector = new Option<float[]>("--vector")
        {
            Description = "query vector: the view's dim numbers separated by commas",
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                var parts = text.Split(',', StringSplitOptions.TrimEntries);
                var values = new float[parts.Length];
                for (var i = 0; i < parts.Length; i++)
                    if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                        result.AddError($"--vector: '{parts[i]}' is not a number");
                return values;
            },
        };
        var k = new Option<int>("-k") { Description = "number of neighbours (1..1000)", DefaultValueFactory = _ => 10 };
        var restrict = new Option<long>("--restrict") { Description = "only the table's first N rows (plus view rows); 0: all" };
        var command = new Command("neighbours", "the rows most similar by cosine to a token or a vector") { view, token, vector, k, restrict };
        command.Validators.Add(result =>
        {
            // An absent array option parses as an empty array, not null.
            if ((result.GetValue(token) is null) == (result.GetValue(vector) is not { Length: > 0 })) result.AddError("give exactly one of --token and --vector");
        });
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var name = parsed.GetValue(view)!;
            var reply = parsed.GetValue(token) is { } word
                ? await client.NeighboursAsync(name, word, parsed.GetValue(k), parsed.GetValue(restrict), ct)
                : await client.NeighboursAsync(name, parsed.GetValue(vector)!, parsed.GetValue(k), parsed.GetValue(restrict), ct);
            Output.Table(["rank", "token", "similarity", "id"], reply.Neighbors.Select((n, i) => new[]
            {
                (i + 1).ToString(CultureInfo.InvariantCulture), n.Token, n.Similarity.ToString("0.0000", CultureInfo.InvariantCulture),
                Descriptions.Number(n.Id),
            }));
        }));
        return command;
    }

    private static Command Pull()
    {
        var sources = new Option<string>("--sources") { Description = "views or tables, comma-separated, in output order", Required = true };
        var tokens = new Argument<string[]>("token") { Arity = ArgumentArity.OneOrMore, Description = "tokens to read" };
        var unknown = CliApp.EnumOption("--unknown", ProtoNames.UnknownPolicies, "fail (default) or unk: each source's unk row");
        var zeros = new Option<bool>("--zeros") { Description = "tokens a source does not know read as zeros there" };
        var values = new Option<int>("--values") { Description = "how many leading values to print", DefaultValueFactory = _ => 5 };
        var command = new Command("pull", "read tokens through several views or tables, their vectors concatenated")
        {
            sources, tokens, unknown, zeros, values,
        };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var names = parsed.GetValue(sources)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var words = parsed.GetValue(tokens)!;
            var rows = await client.PullCombinedAsync(names, words, parsed.GetValue(unknown), parsed.GetValue(zeros), ct);
            var shown = Math.Clamp(parsed.GetValue(values), 0, rows.Dim);
            Output.Table(["token", .. names, "dim", "values"],
                words.Select((word, t) => new[] { word }
                    .Concat(names.Select((_, s) => Origin(rows.Meta[t * names.Length + s])))
                    .Append(Descriptions.Number(rows.Dim))
                    .Append(RowCommands.Leading(rows.Vectors.AsSpan(t * rows.Dim, rows.Dim), shown)).ToArray()));
        }));
        return command;
    }

    /// <summary>Where a token's vector came from in one source: origin and row id, or <c>missing</c> where it read as zeros.</summary>
    private static string Origin(RowMeta meta) =>
        meta.Origin == RowOrigin.Unspecified ? "missing" : $"{ProtoNames.Name(ProtoNames.Origins, meta.Origin)}:{meta.Id}";
}
