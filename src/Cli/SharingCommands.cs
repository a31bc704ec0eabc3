using System.CommandLine;
using EmbeddingStore.Client;
using Spectre.Console;

namespace EmbeddingStore.Cli;

/// <summary><c>snapshot create</c> and <c>watch</c>: pinning a view, and following its changes as they happen.</summary>
public static class SharingCommands
{
    public static IEnumerable<Command> Build() => [Snapshot(), Watch()];

    private static Command Snapshot()
    {
        var view = new Option<string>("--view") { Description = "the view to pin", Required = true };
        var name = new Option<string>("--name") { Description = "name of the snapshot (a static view)", Required = true };
        var create = new Command("create", "pin what a view reads now under a new name, while training on it goes on") { view, name };
        create.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
            Output.Fields(Descriptions.View(await client.CreateSnapshotAsync(parsed.GetValue(view)!, parsed.GetValue(name)!, ct)))));
        return new Command("snapshot", "snapshots of views") { create };
    }

    private static Command Watch()
    {
        var view = new Option<string>("--view") { Description = "the view to follow", Required = true };
        var tokens = new Option<string?>("--tokens") { Description = "comma-separated tokens to follow (default: every row the view owns or has copied)" };
        var prefix = new Option<string?>("--prefix") { Description = "follow every token starting with this, e.g. '<'" };
        var after = new Option<long>("--after-version") { Description = "only changes after this version (as printed by an earlier watch)" };
        var values = new Option<int>("--values") { Description = "how many leading values to print", DefaultValueFactory = _ => 5 };
        var limit = new Option<int>("--limit") { Description = "stop after printing this many rows (0: run until Ctrl+C)" };
        var command = new Command("watch", "print the rows of a view, then every change as it happens, with its version")
        {
            view, tokens, prefix, after, values, limit,
        };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var words = parsed.GetValue(tokens)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var printed = 0;
            var max = parsed.GetValue(limit);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                await foreach (var changes in client.SubscribeAsync(parsed.GetValue(view)!, words, parsed.GetValue(prefix),
                                   parsed.GetValue(after), done.Token))
                {
                    for (var i = 0; i < changes.Tokens.Length && (max == 0 || printed < max); i++, printed++)
                        PrintRow(changes, i, parsed.GetValue(values));
                    if (changes.Resync) Note($"resync: the rows above are a full resend, up to version {changes.Version}");
                    else if (changes.CaughtUp) Note($"caught up at version {changes.Version}");
                    if (max > 0 && printed >= max) done.Cancel();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or Grpc.Core.RpcException && done.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // --limit reached.
            }
        }));
        return command;
    }

    private static void PrintRow(RowChanges changes, int index, int values)
    {
        var meta = changes.Meta[index];
        var row = changes.Vector(index);
        var version = Descriptions.Number(meta.Version);
        var token = changes.Tokens[index];
        var rest = string.Join("  ", Descriptions.Number(meta.Id), ProtoNames.Name(ProtoNames.Origins, meta.Origin),
            RowCommands.Leading(row, Math.Clamp(values, 0, changes.Dim)), "norm " + Descriptions.Number(RowCommands.Norm(row)));
        if (Console.IsOutputRedirected) Output.Line($"{version}  {token}  {rest}");
        else AnsiConsole.MarkupLineInterpolated($"[grey]{version}[/]  [bold]{token}[/]  {rest}");
    }

    private static void Note(string text)
    {
        if (Console.IsOutputRedirected) Output.Line("# " + text);
        else AnsiConsole.MarkupLineInterpolated($"[grey]{text}[/]");
    }
}
