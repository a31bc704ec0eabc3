using System.CommandLine;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Cli;

/// <summary><c>import</c>, <c>tables</c> and <c>table describe|create|delete</c>.</summary>
public static class TableCommands
{
    public static IEnumerable<Command> Build() => [Import(), List(), Table()];

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "vector file to upload (or, with --server-path, a path in the server's import folder)" };
        var table = new Option<string>("--table") { Description = "name of the new table", Required = true };
        var format = CliApp.EnumOption("--format", ProtoNames.Formats, "file format (default auto)");
        var serverPath = new Option<bool>("--server-path") { Description = "the server reads <file> from its import folder; nothing is uploaded" };
        var command = new Command("import", "import pretrained vectors into a new table") { file, table, format, serverPath };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var path = parsed.GetValue(file)!;
            var name = parsed.GetValue(table)!;
            var info = parsed.GetValue(serverPath)
                ? await ImportServerSide(client, name, path, parsed.GetValue(format), ct)
                : await Upload(client, name, path, parsed.GetValue(format), ct);
            Output.Fields(Descriptions.Table(info));
        }));
        return command;
    }

    private static Task<TableInfo> Upload(EmbeddingStoreClient client, string table, string path, VectorFormat format, CancellationToken ct)
    {
        if (!File.Exists(path)) throw new FileNotFoundException(null, path);
        return ProgressDisplay.RunAsync($"upload {Path.GetFileName(path)}", bytes: true, progress =>
            client.UploadFileAsync(table, path, format, new Relay<ImportProgress>(p => progress.Report(new(p.BytesDone, p.BytesTotal))), ct));
    }

    private static Task<TableInfo> ImportServerSide(EmbeddingStoreClient client, string table, string path, VectorFormat format, CancellationToken ct) =>
        ProgressDisplay.RunAsync($"import {path}", bytes: true, progress =>
            client.ImportFileAsync(table, path, format, new Relay<ImportProgress>(p => progress.Report(new(p.BytesDone, p.BytesTotal))), ct));

    private static Command List()
    {
        var command = new Command("tables", "list tables");
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var tables = await client.ListTablesAsync(ct);
            Output.Table(["name", "dim", "rows", "stored", "views", "source"], tables.Select(t => new[]
            {
                t.Name, Descriptions.Number(t.Dim), Descriptions.Number(t.Rows), Output.Bytes(t.StoredBytes),
                t.Views.Count == 0 ? "-" : string.Join(",", t.Views), t.Source.Length == 0 ? "-" : t.Source,
            }));
        }));
        return command;
    }

    private static Command Table()
    {
        var describeName = new Argument<string>("name");
        var describe = new Command("describe", "show a table's details") { describeName };
        describe.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
            Output.Fields(Descriptions.Table(await client.DescribeTableAsync(parsed.GetValue(describeName)!, ct)))));

        var createName = new Argument<string>("name");
        var dim = new Option<int>("--dim") { Description = "vector dimension (1..4096)", Required = true };
        var create = new Command("create", "create an empty table") { createName, dim };
        create.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
            Output.Fields(Descriptions.Table(await client.CreateTableAsync(parsed.GetValue(createName)!, parsed.GetValue(dim), ct)))));

        var deleteName = new Argument<string>("name");
        var delete = new Command("delete", "delete a table that no view reads") { deleteName };
        delete.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var name = parsed.GetValue(deleteName)!;
            var removed = await client.DeleteTableAsync(name, ct);
            Output.Line($"deleted table {name} ({removed} records removed)");
        }));

        return new Command("table", "describe, create or delete one table") { describe, create, delete };
    }
}

