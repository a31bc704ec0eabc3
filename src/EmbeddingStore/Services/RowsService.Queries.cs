using EmbeddingStore.Core;
using EmbeddingStore.Protos;
using EmbeddingStore.Server.Limits;
using Grpc.Core;

namespace EmbeddingStore.Server.Services;

/// <summary>Neighbours, sentence vectors and combined pulls: validate, convert, call the core.</summary>
public sealed partial class RowsService
{
    public override Task<NeighborsResponse> Neighbors(NeighborsRequest request, ServerCallContext context)
    {
        if (request.QueryCase == NeighborsRequest.QueryOneofCase.Token) Limits.CheckTokens([request.Token]);
        return Task.FromResult(ProtoMapping.ToProto(host.Store.Neighbours(request.View, ProtoMapping.ToCore(request))));
    }

    public override Task<SentenceVectorsResponse> SentenceVectors(SentenceVectorsRequest request, ServerCallContext context)
    {
        var store = host.Store;
        Limits.CheckTokens([.. request.Sentences.SelectMany(s => s.Tokens)]);
        Limits.CheckFloats((long)request.Sentences.Count * store.DimOf(request.View));
        var sentences = request.Sentences.Select(s => (IReadOnlyList<string>)s.Tokens).ToList();
        var result = store.SentenceVectors(request.View, sentences, ProtoMapping.ToCore(request.Weighting), request.SifA);
        return Task.FromResult(ProtoMapping.ToProto(result));
    }

    public override Task<PullCombinedResponse> PullCombined(PullCombinedRequest request, ServerCallContext context)
    {
        var store = host.Store;
        Limits.CheckTokens(request.Tokens);
        Limits.CheckRows(request.Tokens.Count * request.Sources.Count);
        Limits.CheckFloats((long)request.Tokens.Count * request.Sources.Sum(s => SourceDim(store, s)));
        var result = store.PullCombined(request.Sources, request.Tokens, ProtoMapping.ToCore(request.UnknownPolicy), request.MissingAsZeros);
        return Task.FromResult(ProtoMapping.ToProto(result));
    }

    /// <summary>A source's dimension, looked up as the core will: a view first, then a table.</summary>
    private static int SourceDim(IEmbeddingStore store, string source)
    {
        try { return store.DimOf(source); }
        catch (StoreException e) when (e.Error == StoreError.NotFound) { return store.DescribeTable(source).Dim; }
    }
}
