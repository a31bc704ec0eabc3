namespace EmbeddingStore.Core;

/// <summary>What a view may train. See protos/embedding_store.proto for the full contract.</summary>
public enum TrainMode { Static = 1, Overlay = 2, FineTune = 3 }

/// <summary>What happens to a token the view cannot find.</summary>
public enum UnknownPolicy { Default = 0, Fail = 1, Unk = 2, Create = 3 }

public enum InitKind { Uniform = 1, Zeros = 2, Normal = 3, Copy = 4 }

public enum OptimizerKind { Sgd = 1, Adagrad = 2, Adadelta = 3, LazyAdam = 4 }

public enum RowOrigin { Base = 1, View = 2, Copy = 3, Pad = 4 }

public enum PushKind { Gradient = 1, Delta = 2, Assign = 3 }

/// <summary>Server-side optimizer of a view. Zero fields mean the kind's default.</summary>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.Adadelta,
    float LearningRate = 0,
    float Rho = 0,
    float Beta2 = 0,
    float Epsilon = 0)
{
    /// <summary>The same settings with every zero replaced by the kind's default.</summary>
    public OptimizerSettings WithDefaults() => Kind switch
    {
        OptimizerKind.Sgd => this with { LearningRate = Or(LearningRate, 0.01f) },
        OptimizerKind.Adagrad => this with { LearningRate = Or(LearningRate, 0.01f), Epsilon = Or(Epsilon, 1e-10f) },
        OptimizerKind.Adadelta => this with { LearningRate = Or(LearningRate, 1f), Rho = Or(Rho, 0.95f), Epsilon = Or(Epsilon, 1e-6f) },
        OptimizerKind.LazyAdam => this with { LearningRate = Or(LearningRate, 0.001f), Rho = Or(Rho, 0.9f), Beta2 = Or(Beta2, 0.999f), Epsilon = Or(Epsilon, 1e-8f) },
        _ => throw new StoreException(StoreError.InvalidArgument, $"unknown optimizer kind {Kind}"),
    };

    /// <summary>
    /// Refuses settings that would turn pushed rows into NaN or infinity, naming the proto field and its range: a
    /// learning rate that is not finite or not positive, an epsilon that is negative or not finite, a decay rate
    /// (<c>rho</c>, <c>beta2</c>) outside [0, 1). Call it on the settings with their defaults filled in.
    /// </summary>
    public OptimizerSettings Validated()
    {
        if (!float.IsFinite(LearningRate) || LearningRate <= 0)
            throw Invalid("learning_rate", LearningRate, "a finite number > 0 (0 picks the optimizer's default)");
        if (!float.IsFinite(Epsilon) || Epsilon < 0)
            throw Invalid("epsilon", Epsilon, "a finite number >= 0 (0 picks the optimizer's default)");
        if (!(Rho >= 0 && Rho < 1)) throw Invalid("rho", Rho, "in [0, 1) (0 picks the optimizer's default)");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw Invalid("beta2", Beta2, "in [0, 1) (0 picks the optimizer's default)");
        return this;

        static StoreException Invalid(string field, float value, string range) =>
            new(StoreError.InvalidArgument, $"optimizer {field} {value}: must be {range}");
    }

    /// <summary>Floats of optimizer state kept per vector element.</summary>
    public int StateSlots => Kind switch
    {
        OptimizerKind.Sgd => 0,
        OptimizerKind.Adagrad => 1,
        OptimizerKind.Adadelta => 2,
        OptimizerKind.LazyAdam => 2,
        _ => 0,
    };

    private static float Or(float value, float fallback) => value == 0 ? fallback : value;
}

public sealed record TableInfo(
    string Name,
    int Dim,
    long Rows,
    float VarianceMatchedA,
    long StoredBytes,
    string Source,
    long CreatedUnixMs,
    IReadOnlyList<string> Views);

/// <summary>What a caller asks for when creating a view. Exactly one of ParentTable and ParentView is set.</summary>
public sealed record ViewSpec(
    string Name,
    string? ParentTable,
    string? ParentView,
    TrainMode Mode = TrainMode.Overlay,
    UnknownPolicy UnknownPolicy = UnknownPolicy.Fail,
    InitKind Init = InitKind.Uniform,
    float InitScale = 0,
    string? InitCopyToken = null,
    OptimizerSettings? Optimizer = null,
    string PadToken = "<pad>",
    string UnkToken = "<unk>",
    ulong Seed = 0)
{
    /// <summary>Under the create policy, a token's row is created only once it has been seen this often; 0 or 1: at once.</summary>
    public int MinCount { get; init; }

    /// <summary>Own rows and copies unused for this long are evicted; 0: never.</summary>
    public long EvictUnusedAfterMs { get; init; }
}

public sealed record ViewInfo(
    string Name,
    string Table,
    string? ParentView,
    int Dim,
    TrainMode Mode,
    UnknownPolicy UnknownPolicy,
    InitKind Init,
    float InitScale,
    string? InitCopyToken,
    OptimizerSettings Optimizer,
    string PadToken,
    string UnkToken,
    ulong Seed,
    long OwnRows,
    long CopiedRows,
    long BaseRows,
    long StoredBytes,
    long CreatedUnixMs)
{
    /// <summary>Set on snapshots: the view pinned, and the store version at which it was taken.</summary>
    public string? SnapshotOf { get; init; }
    public long SnapshotVersion { get; init; }
    public int MinCount { get; init; }
    public long EvictUnusedAfterMs { get; init; }
    /// <summary>Tokens counted towards <see cref="MinCount"/> that have no row yet (in memory only).</summary>
    public long PendingTokens { get; init; }
    /// <summary>Rows removed for being unused since the view was created.</summary>
    public long EvictedRows { get; init; }
}

/// <summary>How a row reads through a view.</summary>
/// <param name="Immutable">
/// The row's value through this view can never change (<see cref="ViewChain.ReadsNeverChange"/>): a client may keep
/// it for as long as it uses the view instead of pulling it again.
/// </param>
public readonly record struct RowMeta(long Id, RowOrigin Origin, bool Trainable, long Version, bool Own, bool Immutable);

public sealed record ResolveResult(long[] Ids, int[] Created, int[] MappedToUnk);

public sealed record RejectedRow(long Id, string Reason);

/// <summary>What a push did; <see cref="Replayed"/>: the answer of an earlier push with the same request id, nothing applied again.</summary>
public sealed record PushResult(int Applied, IReadOnlyList<RejectedRow> Rejected, long Version, bool Durable, bool Replayed = false);

public readonly record struct ImportProgress(long RowsDone, long RowsTotal, long BytesDone, long BytesTotal);

public sealed record CheckpointResult(string Token, TimeSpan Duration);
