using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

/// <summary>
/// The short lower-case names people type and read (e.g. <c>fine-tune</c>, <c>word2vec-binary</c>) for the contract's enums.
/// </summary>
public static class ProtoNames
{
    public static readonly IReadOnlyDictionary<string, VectorFormat> Formats = new Dictionary<string, VectorFormat>
    {
        ["auto"] = VectorFormat.Auto,
        ["word2vec-binary"] = VectorFormat.Word2VecBinary,
        ["word2vec-text"] = VectorFormat.Word2VecText,
        ["glove"] = VectorFormat.GloveText,
    };

    public static readonly IReadOnlyDictionary<string, TrainMode> Modes = new Dictionary<string, TrainMode>
    {
        ["static"] = TrainMode.Static,
        ["overlay"] = TrainMode.Overlay,
        ["fine-tune"] = TrainMode.FineTune,
    };

    public static readonly IReadOnlyDictionary<string, UnknownPolicy> UnknownPolicies = new Dictionary<string, UnknownPolicy>
    {
        ["fail"] = UnknownPolicy.Fail,
        ["unk"] = UnknownPolicy.Unk,
        ["create"] = UnknownPolicy.Create,
    };

    public static readonly IReadOnlyDictionary<string, InitKind> Inits = new Dictionary<string, InitKind>
    {
        ["uniform"] = InitKind.Uniform,
        ["zeros"] = InitKind.Zeros,
        ["normal"] = InitKind.Normal,
        ["copy"] = InitKind.Copy,
    };

    public static readonly IReadOnlyDictionary<string, OptimizerKind> Optimizers = new Dictionary<string, OptimizerKind>
    {
        ["sgd"] = OptimizerKind.Sgd,
        ["adagrad"] = OptimizerKind.Adagrad,
        ["adadelta"] = OptimizerKind.Adadelta,
        ["adam"] = OptimizerKind.LazyAdam,
    };

    public static readonly IReadOnlyDictionary<string, RowOrigin> Origins = new Dictionary<string, RowOrigin>
    {
        ["base"] = RowOrigin.Base,
        ["view"] = RowOrigin.View,
        ["copy"] = RowOrigin.Copy,
        ["pad"] = RowOrigin.Pad,
    };

    /// <summary>The value named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the accepted ones.</exception>
    public static T Parse<T>(IReadOnlyDictionary<string, T> names, string name) where T : struct, Enum =>
        names.TryGetValue(name.ToLowerInvariant(), out var value)
            ? value
            : throw new ArgumentException($"'{name}' is not a {typeof(T).Name}; expected one of: {string.Join(", ", names.Keys)}");

    /// <summary>The short name of <paramref name="value"/>, or <c>-</c> for unspecified/unknown values.</summary>
    public static string Name<T>(IReadOnlyDictionary<string, T> names, T value) where T : struct, Enum =>
        names.FirstOrDefault(p => EqualityComparer<T>.Default.Equals(p.Value, value)).Key ?? "-";
}
