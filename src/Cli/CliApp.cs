using System.CommandLine;
using EmbeddingStore.Client;
using Grpc.Core;

namespace EmbeddingStore.Cli;

/// <summary>The <c>embstore</c> command tree and its exit-code conventions: 0 ok, 1 failed operation, 2 usage error.</summary>
public static class CliApp
{
    public const string DefaultAddress = "http://127.0.0.1:5191";

    /// <summary>The server's address; accepted before or after the subcommand.</summary>
    public static readonly Option<string> Address = new("--address")
    {
        Description = $"server address (default: $EMBSTORE_ADDRESS, else {DefaultAddress})",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EMBSTORE_ADDRESS") is { Length: > 0 } env ? env : DefaultAddress,
    };

    /// <summary>The API key sent with every call; from the environment by default, so it stays out of shell history.</summary>
    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API key for a store that requires one (default: $EMBSTORE_API_KEY)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EMBSTORE_API_KEY") is { Length: > 0 } env ? env : null,
    };

    /// <summary>The CA certificate that the server's TLS certificate must chain to.</summary>
    public static readonly Option<string?> CaCert = new("--ca-cert")
    {
        Description = "PEM CA certificate for an https:// address whose certificate is not publicly trusted (default: $EMBSTORE_CA_CERT)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EMBSTORE_CA_CERT") is { Length: > 0 } env ? env : null,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("embstore: manage an embedding store's tables and views, and read their rows");
        root.Options.Add(Address);
        root.Options.Add(ApiKey);
        root.Options.Add(CaCert);
        foreach (var command in TableCommands.Build()) root.Subcommands.Add(command);
        foreach (var command in ViewCommands.Build()) root.Subcommands.Add(command);
        root.Subcommands.Add(RowCommands.Show());
        foreach (var command in SharingCommands.Build()) root.Subcommands.Add(command);
        foreach (var command in QueryCommands.Build()) root.Subcommands.Add(command);
        foreach (var command in StoreCommands.Build()) root.Subcommands.Add(command);
        foreach (var command in ServerProgram.Build()) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Tokens such as "@user" are words to look up, not response files to expand.</summary>
    public static ParserConfiguration Parsing { get; } = new() { ResponseFileTokenReplacer = null };

    public static async Task<int> RunAsync(string[] args)
    {
        // `serve` and `keys` are the server program's: every argument after them is its own, --help included.
        if (ServerProgram.ServerArguments(args) is { } serverArgs) return await ServerProgram.RunAsync(serverArgs);
        var parsed = Build().Parse(args, Parsing);
        var code = await parsed.InvokeAsync();
        // System.CommandLine reports parse errors with 1; scripts need to tell usage errors from failed operations.
        return parsed.Errors.Count > 0 ? 2 : code;
    }

    /// <summary>Runs a command's work against a client, turning the expected failures into one-line messages and exit codes.</summary>
    public static async Task<int> Execute(ParseResult parsed, CancellationToken ct, Func<EmbeddingStoreClient, CancellationToken, Task> work)
    {
        try
        {
            using var client = new EmbeddingStoreClient(parsed.GetValue(Address)!,
                new StoreCredentials(parsed.GetValue(ApiKey), parsed.GetValue(CaCert)));
            await work(client, ct);
            return 0;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"error: {e.StatusCode}: {e.Status.Detail}");
            return 1;
        }
        catch (FileNotFoundException e)
        {
            await Console.Error.WriteLineAsync($"error: file not found: {e.FileName ?? e.Message}");
            return 1;
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return 130;
        }
    }

    /// <summary>An option taking one of <paramref name="names"/>, parsed straight into the enum; absent means its zero value.</summary>
    public static Option<T> EnumOption<T>(string name, IReadOnlyDictionary<string, T> names, string description) where T : struct, Enum =>
        new(name)
        {
            Description = description,
            HelpName = string.Join("|", names.Keys),
            CustomParser = result =>
            {
                var token = result.Tokens.Single().Value;
                if (names.TryGetValue(token.ToLowerInvariant(), out var value)) return value;
                result.AddError($"{name}: '{token}' is not one of {string.Join(", ", names.Keys)}");
                return default;
            },
        };
}
