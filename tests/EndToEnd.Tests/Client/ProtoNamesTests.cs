using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EndToEnd.Tests.Client;

public class ProtoNamesTests
{
    [Theory]
    [InlineData("auto", VectorFormat.Auto)]
    [InlineData("word2vec-binary", VectorFormat.Word2VecBinary)]
    [InlineData("word2vec-text", VectorFormat.Word2VecText)]
    [InlineData("GloVe", VectorFormat.GloveText)]
    public void FormatName_ParsesCaseInsensitively(string name, VectorFormat expected) =>
        Assert.Equal(expected, ProtoNames.Parse(ProtoNames.Formats, name));

    [Theory]
    [InlineData("static", TrainMode.Static)]
    [InlineData("overlay", TrainMode.Overlay)]
    [InlineData("fine-tune", TrainMode.FineTune)]
    public void ModeName_Parses(string name, TrainMode expected) =>
        Assert.Equal(expected, ProtoNames.Parse(ProtoNames.Modes, name));

    [Fact]
    public void AdamName_MeansLazyAdam() =>
        Assert.Equal(OptimizerKind.LazyAdam, ProtoNames.Parse(ProtoNames.Optimizers, "adam"));

    [Fact]
    public void UnknownName_ThrowsListingAcceptedNames()
    {
        var error = Assert.Throws<ArgumentException>(() => ProtoNames.Parse(ProtoNames.Modes, "finetune"));
        Assert.Contains("static, overlay, fine-tune", error.Message);
    }

    [Fact]
    public void EveryNamedValue_RoundTripsThroughName()
    {
        AssertRoundTrip(ProtoNames.Formats);
        AssertRoundTrip(ProtoNames.Modes);
        AssertRoundTrip(ProtoNames.UnknownPolicies);
        AssertRoundTrip(ProtoNames.Inits);
        AssertRoundTrip(ProtoNames.Optimizers);
        AssertRoundTrip(ProtoNames.Origins);
    }

    [Fact]
    public void UnspecifiedValue_IsShownAsDash() =>
        Assert.Equal("-", ProtoNames.Name(ProtoNames.Modes, TrainMode.Unspecified));

    private static void AssertRoundTrip<T>(IReadOnlyDictionary<string, T> names) where T : struct, Enum
    {
        foreach (var (name, value) in names) Assert.Equal(name, ProtoNames.Name(names, value));
        Assert.Equal(names.Count, names.Values.Distinct().Count());
    }
}
