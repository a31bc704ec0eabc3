using System.CommandLine;
using EmbeddingStore.Server.Security;

namespace EmbeddingStore.Server;

/// <summary>
/// The server's command line: every option has a default, so it runs with none. <c>--config FILE</c> supplies
/// options from a JSON file; flags given on the command line override it.
/// </summary>
public static class ServerCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Embedding store: pretrained word vectors as frozen rows, trainable views, over gRPC");
        Configure(root);
        root.Subcommands.Add(KeyCommands.Build());
        return root;
    }

    /// <summary>The options a command line asks for, the configuration file included, without starting anything.</summary>
    /// <exception cref="ArgumentException">The command line does not parse.</exception>
    public static ServerOptions ParseOptions(string[] args)
    {
        var command = new RootCommand();
        var flags = Configure(command);
        var parse = command.Parse(args);
        if (parse.Errors.Count > 0) throw new ArgumentException(string.Join("; ", parse.Errors.Select(e => e.Message)));
        return flags.ToOptions(parse);
    }

    private static ServerFlags Configure(Command command)
    {
        var flags = new ServerFlags();
        flags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            ServerOptions options;
            try { options = flags.ToOptions(parse); }
            catch (InvalidDataException e)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 2;
            }
            return await StoreServer.RunAsync(options, cancellationToken);
        });
        return flags;
    }
}
