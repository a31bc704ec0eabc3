using System.CommandLine;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Cli;

/// <summary>
/// The arguments of <c>view create</c> and how a parse of them becomes a <see cref="ViewOptions"/>, kept apart from
/// the command's action so the mapping can be checked without a server.
/// </summary>
public sealed class ViewCreateArguments
{
    public Argument<string> Name { get; } = new("name");
    public Option<string> Table { get; } = new("--table") { Description = "parent table" };
    public Option<string> Parent { get; } = new("--parent") { Description = "parent view" };
    public Option<TrainMode> Mode { get; } = CliApp.EnumOption("--mode", ProtoNames.Modes, "what the view may train");
    public Option<UnknownPolicy> Unknown { get; } = CliApp.EnumOption("--unknown", ProtoNames.UnknownPolicies, "what unknown tokens map to");
    public Option<InitKind> Init { get; } = CliApp.EnumOption("--init", ProtoNames.Inits, "how new rows start");
    public Option<float> InitScale { get; } = new("--init-scale") { Description = "uniform half-width / normal sd (0: matched to the base rows)" };
    public Option<string> InitCopy { get; } = new("--init-copy") { Description = "token whose vector new rows copy (with --init copy)" };
    public Option<OptimizerKind> Optimizer { get; } = CliApp.EnumOption("--optimizer", ProtoNames.Optimizers, "server-side optimizer for gradient pushes");
    public Option<float> LearningRate { get; } = new("--lr") { Description = "learning rate (0: the optimizer's default)" };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "seed for new rows (0: the server's default)" };
    public Option<int> MinCount { get; } = new("--min-count") { Description = "create a token's row only once seen this often (until then: unk)" };
    public Option<TimeSpan> EvictAfter { get; } = new("--evict-after")
    {
        Description = "evict own rows and copies unused this long, e.g. 300ms, 30s, 10m, 2h, 7d",
        CustomParser = Durations.Parse,
    };

    /// <summary>Adds the arguments to <paramref name="command"/>, with the checks that make a parse fail as a usage error.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Name);
        foreach (var option in new Option[] { Table, Parent, Mode, Unknown, Init, InitScale, InitCopy, Optimizer, LearningRate, Seed, MinCount, EvictAfter })
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            if ((result.GetValue(Table) is null) == (result.GetValue(Parent) is null))
                result.AddError("give exactly one of --table and --parent");
            if (result.GetValue(Init) == InitKind.Copy && result.GetValue(InitCopy) is null)
                result.AddError("--init copy needs --init-copy TOKEN");
        });
    }

    public ViewOptions ToViewOptions(ParseResult parsed) => new(parsed.GetValue(Name)!)
    {
        Table = parsed.GetValue(Table),
        ParentView = parsed.GetValue(Parent),
        Mode = parsed.GetValue(Mode),
        Unknown = parsed.GetValue(Unknown),
        Init = parsed.GetValue(Init),
        InitScale = parsed.GetValue(InitScale),
        InitCopyToken = parsed.GetValue(InitCopy),
        Optimizer = parsed.GetValue(Optimizer),
        LearningRate = parsed.GetValue(LearningRate),
        Seed = parsed.GetValue(Seed),
        MinCount = parsed.GetValue(MinCount),
        EvictUnusedAfter = parsed.GetValue(EvictAfter),
    };
}
