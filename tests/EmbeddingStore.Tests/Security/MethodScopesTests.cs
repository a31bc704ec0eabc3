using EmbeddingStore.Protos;
using EmbeddingStore.Server.Security;

namespace EmbeddingStore.Tests.Security;

public class MethodScopesTests
{
    private static IEnumerable<string> ServiceMethods() =>
        EmbeddingStoreReflection.Descriptor.Services.SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}"));

    [Fact]
    public void EveryRpcOfTheContract_HasAnAccessRule()
    {
        var missing = ServiceMethods().Where(m => !MethodScopes.Rules.ContainsKey(m)).ToList();
        Assert.True(missing.Count == 0, "methods without an access rule in MethodScopes: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryRule_NamesAnRpcOfTheContract() =>
        Assert.Empty(MethodScopes.Rules.Keys.Except(ServiceMethods()));

    [Fact]
    public void ServicesOfTheContract_AreInTheGuardedPackage() =>
        Assert.All(EmbeddingStoreReflection.Descriptor.Services, s => Assert.Equal(MethodScopes.Package, s.File.Package));

    [Theory]
    [InlineData("/embstore.v1.Rows/Push", Scope.Write)]
    [InlineData("/embstore.v1.Rows/Subscribe", Scope.Read)]
    [InlineData("/embstore.v1.Rows/PullCombined", Scope.Read)]
    [InlineData("/embstore.v1.Admin/CreateSnapshot", Scope.Admin)]
    [InlineData("/embstore.v1.Admin/Export", Scope.Admin)]
    [InlineData("/embstore.v1.Admin/DescribeTable", Scope.Read)]
    public void FixedScopes_AsDecided(string method, Scope scope) =>
        Assert.Equal(scope, MethodScopes.Rules[method].Scope(null, () => throw new InvalidOperationException("no store lookup expected")));

    [Fact]
    public void ResolveWithCreate_NeedsWrite_WithFail_NeedsRead()
    {
        var rule = MethodScopes.Rules["/embstore.v1.Rows/Resolve"];
        Assert.Equal(Scope.Write, rule.Scope(new ResolveRequest { View = "v", UnknownPolicy = UnknownPolicy.Create }, () => throw new InvalidOperationException()));
        Assert.Equal(Scope.Read, rule.Scope(new ResolveRequest { View = "v", UnknownPolicy = UnknownPolicy.Fail }, () => throw new InvalidOperationException()));
    }

    [Theory]
    [InlineData("/embstore.v1.Rows/Push", Scope.Write)]
    [InlineData("/embstore.v1.Rows/Resolve", Scope.Read)]
    [InlineData("/embstore.v1.Rows/Pull", Scope.Read)]
    [InlineData("/embstore.v1.Admin/UploadFile", Scope.Admin)]
    [InlineData("/embstore.v1.Admin/ListViews", Scope.Read)]
    public void LeastScope_CheckedBeforeTheRequestIsRead(string method, Scope least) =>
        Assert.Equal(least, MethodScopes.Rules[method].Least);

    [Fact]
    public void LeastScope_OfAFixedRule_IsItsScope() =>
        Assert.All(MethodScopes.Rules.Where(r => !r.Key.EndsWith("/Resolve") && !r.Key.EndsWith("/Pull")),
            r => Assert.Equal(r.Value.Scope(null, () => throw new InvalidOperationException()), r.Value.Least));

    [Fact]
    public void PullCombined_NamesEverySource() =>
        Assert.Equal(["a", "b"], MethodScopes.Rules["/embstore.v1.Rows/PullCombined"].Views(new PullCombinedRequest { Sources = { "a", "b" } }));

    [Fact]
    public void CreateViewOverAView_NamesBoth() =>
        Assert.Equal(["new", "parent"], MethodScopes.Rules["/embstore.v1.Admin/CreateView"].Views(new CreateViewRequest { Name = "new", View = "parent" }));
}
