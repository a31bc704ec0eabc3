using EmbeddingStore.Client;
using EmbeddingStore.Protos;

namespace EndToEnd.Tests.Client;

public class ViewSpecTests
{
    [Fact]
    public void TableParentWithOptions_MapsEveryField()
    {
        var request = new ViewOptions("mr-static")
        {
            Table = "glove",
            Mode = TrainMode.FineTune,
            Unknown = UnknownPolicy.Create,
            Init = InitKind.Copy,
            InitScale = 0.25f,
            InitCopyToken = "the",
            Optimizer = OptimizerKind.Adadelta,
            LearningRate = 0.5f,
            Seed = 42,
            MinCount = 3,
            EvictUnusedAfter = TimeSpan.FromMinutes(10),
        }.ToRequest();

        Assert.Equal("mr-static", request.Name);
        Assert.Equal(CreateViewRequest.ParentOneofCase.Table, request.ParentCase);
        Assert.Equal("glove", request.Table);
        Assert.Equal(TrainMode.FineTune, request.Mode);
        Assert.Equal(UnknownPolicy.Create, request.UnknownPolicy);
        Assert.Equal(InitKind.Copy, request.Init);
        Assert.Equal(0.25f, request.InitScale);
        Assert.Equal("the", request.InitCopyToken);
        Assert.Equal(OptimizerKind.Adadelta, request.Optimizer.Kind);
        Assert.Equal(0.5f, request.Optimizer.LearningRate);
        Assert.Equal(42UL, request.Seed);
        Assert.Equal(3, request.MinCount);
        Assert.Equal(600_000, request.EvictUnusedAfterMs);
    }

    [Fact]
    public void ViewParentWithoutOptions_LeavesServerDefaults()
    {
        var request = new ViewOptions("child") { ParentView = "parent" }.ToRequest();

        Assert.Equal(CreateViewRequest.ParentOneofCase.View, request.ParentCase);
        Assert.Equal("parent", request.View);
        Assert.Equal(TrainMode.Unspecified, request.Mode);
        Assert.Equal(UnknownPolicy.Unspecified, request.UnknownPolicy);
        Assert.Null(request.Optimizer);
        Assert.Equal("", request.InitCopyToken);
    }

    [Fact]
    public void LearningRateWithoutOptimizer_SendsConfigWithUnspecifiedKind()
    {
        var request = new ViewOptions("v") { Table = "t", LearningRate = 0.1f }.ToRequest();

        Assert.Equal(OptimizerKind.Unspecified, request.Optimizer.Kind);
        Assert.Equal(0.1f, request.Optimizer.LearningRate);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("t", "v")]
    public void NotExactlyOneParent_Throws(string? table, string? view) =>
        Assert.Throws<ArgumentException>(() => new ViewOptions("v") { Table = table, ParentView = view }.ToRequest());

    [Fact]
    public void CopyInitWithoutToken_Throws() =>
        Assert.Throws<ArgumentException>(() => new ViewOptions("v") { Table = "t", Init = InitKind.Copy }.ToRequest());
}
