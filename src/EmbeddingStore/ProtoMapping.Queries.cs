using System.Runtime.InteropServices;
using Google.Protobuf;
using Core = EmbeddingStore.Core;
using Protos = EmbeddingStore.Protos;

namespace EmbeddingStore.Server;

/// <summary>Conversions for the query methods: neighbours, sentence vectors, combined pulls.</summary>
public static partial class ProtoMapping
{
    public static Core.NeighbourQuery ToCore(Protos.NeighborsRequest r) => r.QueryCase switch
    {
        Protos.NeighborsRequest.QueryOneofCase.Token => new Core.NeighbourQuery(r.Token, null, r.K, r.Restrict),
        Protos.NeighborsRequest.QueryOneofCase.Vector => new Core.NeighbourQuery(null, ToFloats(r.Vector, "vector"), r.K, r.Restrict),
        _ => throw new Core.StoreException(Core.StoreError.InvalidArgument, "give a query token or a query vector"),
    };

    public static Protos.NeighborsResponse ToProto(Core.NeighbourResult result)
    {
        var reply = new Protos.NeighborsResponse { Candidates = result.Candidates };
        foreach (var n in result.Neighbours) reply.Neighbors.Add(new Protos.Neighbor { Token = n.Token, Id = n.Id, Similarity = n.Similarity });
        return reply;
    }

    public static Core.SentenceWeighting ToCore(Protos.SentenceWeighting weighting) => Checked<Core.SentenceWeighting>((int)weighting, "weighting");

    public static Protos.SentenceVectorsResponse ToProto(Core.SentenceVectorsResult result)
    {
        var reply = new Protos.SentenceVectorsResponse { Dim = result.Dim, Vectors = ToBytes(result.Vectors) };
        reply.TokensUsed.AddRange(result.TokensUsed);
        return reply;
    }

    public static Protos.PullCombinedResponse ToProto(Core.CombinedPullResult result)
    {
        var reply = new Protos.PullCombinedResponse { Dim = result.Dim, Vectors = ToBytes(result.Vectors) };
        reply.Dims.AddRange(result.Dims);
        foreach (var m in result.Meta) reply.Rows.Add(ToProto(m));
        return reply;
    }

    /// <summary>Packed little-endian float32, as every vector travels.</summary>
    public static float[] ToFloats(ByteString bytes, string field) =>
        bytes.Length % sizeof(float) == 0
            ? MemoryMarshal.Cast<byte, float>(bytes.Span).ToArray()
            : throw new Core.StoreException(Core.StoreError.InvalidArgument, $"{field} holds {bytes.Length} bytes, not a whole number of float32");

    private static ByteString ToBytes(float[] vectors) => UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(vectors.AsSpan()).ToArray());
}
