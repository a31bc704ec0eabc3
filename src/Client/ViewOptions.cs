using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

/// <summary>
/// A view to create, with the options people set most; zero/unspecified values leave the server's defaults.
/// Exactly one of <see cref="Table"/> and <see cref="ParentView"/> must be set.
/// </summary>
public sealed record ViewOptions(string Name)
{
    public string? Table { get; init; }
    public string? ParentView { get; init; }
    public TrainMode Mode { get; init; }
    public UnknownPolicy Unknown { get; init; }
    public InitKind Init { get; init; }
    /// <summary>Uniform half-width or normal standard deviation; 0 matches the base rows' variance.</summary>
    public float InitScale { get; init; }
    /// <summary>The token whose vector new rows copy, with <see cref="InitKind.Copy"/>.</summary>
    public string? InitCopyToken { get; init; }
    public OptimizerKind Optimizer { get; init; }
    /// <summary>0 means the optimizer's default.</summary>
    public float LearningRate { get; init; }
    /// <summary>0 picks the server's fixed default seed.</summary>
    public ulong Seed { get; init; }
    /// <summary>Under the create policy, a token gets a row only once seen this often (until then it reads as unk); 0: at once.</summary>
    public int MinCount { get; init; }
    /// <summary>Own rows and copies unused for this long are evicted; zero keeps them.</summary>
    public TimeSpan EvictUnusedAfter { get; init; }

    /// <summary>The CreateView message for this options.</summary>
    /// <exception cref="ArgumentException">Not exactly one parent, or a copy init without a token.</exception>
    public CreateViewRequest ToRequest()
    {
        if (string.IsNullOrEmpty(Table) == string.IsNullOrEmpty(ParentView))
            throw new ArgumentException($"view {Name}: give exactly one parent, a table or a view");
        if (Init == InitKind.Copy && string.IsNullOrEmpty(InitCopyToken))
            throw new ArgumentException($"view {Name}: copy init needs the token to copy");

        var request = new CreateViewRequest
        {
            Name = Name,
            Mode = Mode,
            UnknownPolicy = Unknown,
            Init = Init,
            InitScale = InitScale,
            InitCopyToken = InitCopyToken ?? "",
            Seed = Seed,
            MinCount = MinCount,
            EvictUnusedAfterMs = (long)EvictUnusedAfter.TotalMilliseconds,
        };
        if (!string.IsNullOrEmpty(Table)) request.Table = Table;
        else request.View = ParentView;
        // An absent optimizer message lets the server choose its default kind; only send one when asked.
        if (Optimizer != OptimizerKind.Unspecified || LearningRate != 0)
            request.Optimizer = new OptimizerConfig { Kind = Optimizer, LearningRate = LearningRate };
        return request;
    }
}
