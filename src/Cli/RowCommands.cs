using System.CommandLine;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Cli;

/// <summary><c>show</c>: what a view reads for some tokens.</summary>
public static class RowCommands
{
    public static Command Show()
    {
        var view = new Argument<string>("view");
        var tokens = new Argument<string[]>("token") { Arity = ArgumentArity.OneOrMore, Description = "tokens to read" };
        var unknown = CliApp.EnumOption("--unknown", ProtoNames.UnknownPolicies, "overrides the view's unknown-token policy");
        var values = new Option<int>("--values") { Description = "how many leading values to print", DefaultValueFactory = _ => 5 };
        var command = new Command("show", "print the rows a view reads for tokens") { view, tokens, unknown, values };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var words = parsed.GetValue(tokens)!;
            var (vectors, dim, meta) = await client.PullTokensAsync(parsed.GetValue(view)!, words, parsed.GetValue(unknown), ct);
            var shown = Math.Clamp(parsed.GetValue(values), 0, dim);
            Output.Table(["token", "id", "origin", "trainable", "version", "values", "norm"], words.Select((word, i) =>
            {
                var row = vectors.AsSpan(i * dim, dim);
                return new[]
                {
                    word, Descriptions.Number(meta[i].Id), ProtoNames.Name(ProtoNames.Origins, meta[i].Origin),
                    meta[i].Trainable ? "yes" : "no", Descriptions.Number(meta[i].Version), Leading(row, shown), Descriptions.Number(Norm(row)),
                };
            }));
        }));
        return command;
    }

    internal static string Leading(ReadOnlySpan<float> row, int count)
    {
        var parts = new string[count];
        for (var i = 0; i < count; i++) parts[i] = row[i].ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
        return count < row.Length ? string.Join(" ", parts) + " ..." : string.Join(" ", parts);
    }

    internal static float Norm(ReadOnlySpan<float> row)
    {
        double sum = 0;
        foreach (var x in row) sum += (double)x * x;
        return (float)Math.Sqrt(sum);
    }
}
