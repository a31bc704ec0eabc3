using System.CommandLine;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Cli;

/// <summary><c>export</c> and <c>checkpoint</c>.</summary>
public static class StoreCommands
{
    public static IEnumerable<Command> Build() => [Export(), Checkpoint()];

    private static Command Export()
    {
        var view = new Argument<string>("view");
        var output = new Option<string>("--out") { Description = "file to write", Required = true };
        var text = new Option<bool>("--text") { Description = "word2vec text instead of word2vec binary" };
        var command = new Command("export", "write everything a view reads as a word2vec file") { view, output, text };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var path = parsed.GetValue(output)!;
            var name = parsed.GetValue(view)!;
            var format = parsed.GetValue(text) ? VectorFormat.Word2VecText : VectorFormat.Word2VecBinary;
            long rows;
            try
            {
                await using var file = File.Create(path);
                rows = await ProgressDisplay.RunAsync($"export {name}", bytes: false, progress =>
                    client.ExportAsync(name, file, format, new Relay<ExportProgress>(p => progress.Report(new(p.RowsDone, p.RowsTotal))), ct));
            }
            catch
            {
                // A truncated vector file would later import as a smaller, silently wrong table.
                File.Delete(path);
                throw;
            }
            Output.Line($"exported {rows} rows of {name} to {path} ({Output.Bytes(new FileInfo(path).Length)})");
        }));
        return command;
    }

    private static Command Checkpoint()
    {
        var compact = new Option<bool>("--compact")
        {
            Description = "compact the log first: drop records newer ones replaced and those of deleted tables and views, free their disk space",
        };
        var command = new Command("checkpoint", "take a checkpoint now and wait until it is on disk") { compact };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var done = await client.CheckpointAsync(parsed.GetValue(compact), ct);
            Output.Line($"checkpoint {done.Token} took {done.DurationMs} ms");
        }));
        return command;
    }
}
