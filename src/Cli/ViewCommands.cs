using System.CommandLine;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

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
        var name = new Argument<string>("name");
        var table = new Option<string>("--table") { Description = "parent table" };
        var parent = new Option<string>("--parent") { Description = "parent view" };
        var mode = CliApp.EnumOption("--mode", ProtoNames.Modes, "what the view may train");
        var unknown = CliApp.EnumOption("--unknown", ProtoNames.UnknownPolicies, "what unknown tokens map to");
        var init = CliApp.EnumOption("--init", ProtoNames.Inits, "how new rows start");
        var initScale = new Option<float>("--init-scale") { Description = "uniform half-width / normal sd (0: matched to the base rows)" };
        var initCopy = new Option<string>("--init-copy") { Description = "token whose vector new rows copy (with --init copy)" };
        var optimizer = CliApp.EnumOption("--optimizer", ProtoNames.Optimizers, "server-side optimizer for gradient pushes");
        var lr = new Option<float>("--lr") { Description = "learning rate (0: the optimizer's default)" };
        var seed = new Option<ulong>("--seed") { Description = "seed for new rows (0: the server's default)" };
        var command = new Command("create", "create a view over a table or another view")
        {
            name, table, parent, mode, unknown, init, initScale, initCopy, optimizer, lr, seed,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(table) is null) == (result.GetValue(parent) is null))
                result.AddError("give exactly one of --table and --parent");
            if (result.GetValue(init) == InitKind.Copy && result.GetValue(initCopy) is null)
                result.AddError("--init copy needs --init-copy TOKEN");
        });
        command.SetAction((parsed, ct) => CliApp.Execute(parsed, ct, async (client, ct) =>
        {
            var options = new ViewOptions(parsed.GetValue(name)!)
            {
                Table = parsed.GetValue(table),
                ParentView = parsed.GetValue(parent),
                Mode = parsed.GetValue(mode),
                Unknown = parsed.GetValue(unknown),
                Init = parsed.GetValue(init),
                InitScale = parsed.GetValue(initScale),
                InitCopyToken = parsed.GetValue(initCopy),
                Optimizer = parsed.GetValue(optimizer),
                LearningRate = parsed.GetValue(lr),
                Seed = parsed.GetValue(seed),
            };
            Output.Fields(Descriptions.View(await client.CreateViewAsync(options, ct)));
        }));
        return command;
    }
}
