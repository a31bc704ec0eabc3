using System.CommandLine;
using EmbeddingStore.Client;

namespace EmbeddingStore.Cli;

/// <summary><c>views</c> and <c>view create|describe|delete</c>.</summary>
public static class ViewCommands
{
    public static IEnumerable<Command> Build() => [List(), View()];

    private static Command List()
    {
        var table = new Option<string>("--table") { Description = "only views over this table" };
        var command = new Command("views", "list views") { table };
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var views = await client.ListViewsAsync(parsed.GetValue(table), ct);
            Output.Table(["name", "table", "parent", "dim", "mode", "unknown", "own_rows", "copied_rows"], views.Select(v => new[]
            {
                v.Name, v.Table, v.ParentView.Length == 0 ? "-" : v.ParentView, Descriptions.Number(v.Dim),
                ProtoNames.Name(ProtoNames.Modes, v.Mode), ProtoNames.Name(ProtoNames.UnknownPolicies, v.UnknownPolicy),
                Descriptions.Number(v.OwnRows), Descriptions.Number(v.CopiedRows),
            }));
        }));
        return command;
    }

    private static Command View()
    {
        var describeName = new Argument<string>("name");
        var describe = new Command("describe", "show a view's details") { describeName };
        describe.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
            Output.Fields(Descriptions.View(await client.DescribeViewAsync(parsed.GetValue(describeName)!, ct)))));

        var deleteName = new Argument<string>("name");
        var delete = new Command("delete", "delete a view and its own rows") { deleteName };
        delete.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var name = parsed.GetValue(deleteName)!;
            var removed = await client.DeleteViewAsync(name, ct);
            Output.Line($"deleted view {name} ({removed} records removed)");
        }));

        return new Command("view", "create, describe or delete one view") { Create(), describe, delete };
    }

    private static Command Create()
    {
        var arguments = new ViewCreateArguments();
        var command = new Command("create", "create a view over a table or another view");
        arguments.AddTo(command);
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
            Output.Fields(Descriptions.View(await client.CreateViewAsync(arguments.ToViewOptions(parsed), ct)))));
        return command;
    }
}
