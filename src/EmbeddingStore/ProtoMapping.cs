using Core = EmbeddingStore.Core;
using Formats = VectorFormats;
using Protos = EmbeddingStore.Protos;

namespace EmbeddingStore.Server;

/// <summary>Every conversion between gRPC messages and core types, in one place.</summary>
public static partial class ProtoMapping
{
    public static Protos.TableInfo ToProto(Core.TableInfo t)
    {
        var info = new Protos.TableInfo
        {
            Name = t.Name,
            Dim = t.Dim,
            Rows = t.Rows,
            VarianceMatchedA = t.VarianceMatchedA,
            StoredBytes = t.StoredBytes,
            Source = t.Source,
            CreatedUnixMs = t.CreatedUnixMs,
        };
        info.Views.AddRange(t.Views);
        return info;
    }

    public static Protos.ViewInfo ToProto(Core.ViewInfo v) => new()
    {
        Name = v.Name,
        Table = v.Table,
        ParentView = v.ParentView ?? "",
        Dim = v.Dim,
        Mode = (Protos.TrainMode)v.Mode,
        UnknownPolicy = (Protos.UnknownPolicy)v.UnknownPolicy,
        Init = (Protos.InitKind)v.Init,
        InitScale = v.InitScale,
        InitCopyToken = v.InitCopyToken ?? "",
        Optimizer = ToProto(v.Optimizer),
        PadToken = v.PadToken,
        UnkToken = v.UnkToken,
        Seed = v.Seed,
        OwnRows = v.OwnRows,
        CopiedRows = v.CopiedRows,
        BaseRows = v.BaseRows,
        StoredBytes = v.StoredBytes,
        CreatedUnixMs = v.CreatedUnixMs,
        SnapshotOf = v.SnapshotOf ?? "",
        SnapshotVersion = v.SnapshotVersion,
        MinCount = v.MinCount,
        EvictUnusedAfterMs = v.EvictUnusedAfterMs,
        PendingTokens = v.PendingTokens,
        EvictedRows = v.EvictedRows,
    };

    public static Protos.OptimizerConfig ToProto(Core.OptimizerSettings o) => new()
    {
        Kind = (Protos.OptimizerKind)o.Kind,
        LearningRate = o.LearningRate,
        Rho = o.Rho,
        Beta2 = o.Beta2,
        Epsilon = o.Epsilon,
    };

    public static Core.ViewSpec ToSpec(Protos.CreateViewRequest r) => new(
        r.Name,
        r.ParentCase == Protos.CreateViewRequest.ParentOneofCase.Table ? r.Table : null,
        r.ParentCase == Protos.CreateViewRequest.ParentOneofCase.View ? r.View : null,
        r.Mode == Protos.TrainMode.Unspecified ? Core.TrainMode.Overlay : Checked<Core.TrainMode>((int)r.Mode, "mode"),
        r.UnknownPolicy == Protos.UnknownPolicy.Unspecified ? Core.UnknownPolicy.Fail : Checked<Core.UnknownPolicy>((int)r.UnknownPolicy, "unknown_policy"),
        r.Init == Protos.InitKind.Unspecified ? Core.InitKind.Uniform : Checked<Core.InitKind>((int)r.Init, "init"),
        r.InitScale,
        string.IsNullOrEmpty(r.InitCopyToken) ? null : r.InitCopyToken,
        r.Optimizer is null || r.Optimizer.Kind == Protos.OptimizerKind.Unspecified
            ? null
            : new Core.OptimizerSettings(Checked<Core.OptimizerKind>((int)r.Optimizer.Kind, "optimizer.kind"),
                r.Optimizer.LearningRate, r.Optimizer.Rho, r.Optimizer.Beta2, r.Optimizer.Epsilon),
        string.IsNullOrEmpty(r.PadToken) ? "<pad>" : r.PadToken,
        string.IsNullOrEmpty(r.UnkToken) ? "<unk>" : r.UnkToken,
        r.Seed)
    {
        MinCount = r.MinCount,
        EvictUnusedAfterMs = r.EvictUnusedAfterMs,
    };

    public static Core.UnknownPolicy ToCore(Protos.UnknownPolicy policy) =>
        policy == Protos.UnknownPolicy.Unspecified ? Core.UnknownPolicy.Default : Checked<Core.UnknownPolicy>((int)policy, "unknown_policy");

    public static Core.PushKind ToCore(Protos.PushKind kind) =>
        kind == Protos.PushKind.Unspecified
            ? throw new Core.StoreException(Core.StoreError.InvalidArgument, "push kind is required: GRADIENT, DELTA or ASSIGN")
            : Checked<Core.PushKind>((int)kind, "kind");

    public static Formats.VectorFormat ToCore(Protos.VectorFormat format) => Checked<Formats.VectorFormat>((int)format, "format");

    public static Protos.RowMeta ToProto(Core.RowMeta m) => new()
    {
        Id = m.Id,
        Origin = (Protos.RowOrigin)m.Origin,
        Trainable = m.Trainable,
        Version = m.Version,
        Own = m.Own,
        Immutable = m.Immutable,
    };

    /// <summary>A subscription message; the rows' vectors are packed into one buffer, row after row.</summary>
    public static Protos.ChangeBatch ToProto(Core.ChangeSet set, int dim)
    {
        var batch = new Protos.ChangeBatch { Dim = dim, Version = set.Version, CaughtUp = set.CaughtUp, Resync = set.Resync };
        var bytes = new byte[set.Rows.Count * dim * sizeof(float)];
        var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        for (var i = 0; i < set.Rows.Count; i++)
        {
            var row = set.Rows[i];
            batch.Tokens.Add(row.Token);
            batch.Rows.Add(ToProto(row.Meta));
            row.Vector.CopyTo(vectors.Slice(i * dim, dim));
        }
        batch.Vectors = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(bytes);
        batch.RemovedTokens.Add(set.Removed);
        return batch;
    }

    public static Core.SubscriptionSpec ToSpec(Protos.SubscribeRequest r) =>
        new(r.View, [.. r.Tokens], string.IsNullOrEmpty(r.TokenPrefix) ? null : r.TokenPrefix, r.AfterVersion);

    public static Protos.ImportProgress ToProto(Core.ImportProgress p) => new()
    {
        RowsDone = p.RowsDone,
        RowsTotal = p.RowsTotal,
        BytesDone = p.BytesDone,
        BytesTotal = p.BytesTotal,
    };

    private static T Checked<T>(int value, string field) where T : struct, Enum =>
        Enum.IsDefined(typeof(T), value)
            ? (T)(object)value
            : throw new Core.StoreException(Core.StoreError.InvalidArgument, $"{field}: unknown value {value}");
}
