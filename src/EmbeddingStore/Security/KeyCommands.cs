using System.CommandLine;
using System.Text.Json;

namespace EmbeddingStore.Server.Security;

/// <summary>
/// <c>keys new</c> makes a random key and prints it once, with the key-file entry that holds only its hash;
/// <c>keys hash</c> hashes a key read from standard input. Keys are never stored in clear.
/// </summary>
public static class KeyCommands
{
    public static Command Build()
    {
        var keys = new Command("keys", "Make API keys and their hashes for the key file (--key-file)");
        keys.Subcommands.Add(New());
        keys.Subcommands.Add(Hash());
        return keys;
    }

    private static Command New()
    {
        var name = new Option<string>("--name") { Description = "name of the key, shown in logs and refusals", Required = true };
        var scopes = new Option<string[]>("--scope")
        {
            Description = "read, write or admin (repeat for several)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        scopes.AcceptOnlyFromAmong("read", "write", "admin");
        var views = new Option<string[]>("--view") { Description = "a view it may use: a name, or a prefix ending in * (default: every view)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("new", "Print a new random key and the key-file entry holding its hash") { name, scopes, views };
        command.SetAction(parse =>
        {
            var key = ApiKey.NewKey();
            var entry = new Dictionary<string, object>
            {
                ["name"] = parse.GetValue(name)!,
                ["sha256"] = ApiKey.Hash(key),
                ["scopes"] = parse.GetValue(scopes)!.Distinct().ToArray(),
            };
            if (parse.GetValue(views) is { Length: > 0 } v) entry["views"] = v;
            Console.WriteLine($"key (give it to the client; it is not stored anywhere): {key}");
            Console.WriteLine("entry for the key file's \"keys\" array:");
            Console.WriteLine(JsonSerializer.Serialize(entry));
        });
        return command;
    }

    private static Command Hash()
    {
        var command = new Command("hash", "Read a key from standard input and print its SHA-256, as the key file stores it");
        command.SetAction(_ =>
        {
            var key = Console.In.ReadLine()?.Trim();
            if (string.IsNullOrEmpty(key))
            {
                Console.Error.WriteLine("error: no key on standard input");
                return 2;
            }
            Console.WriteLine(ApiKey.Hash(key));
            return 0;
        });
        return command;
    }
}
