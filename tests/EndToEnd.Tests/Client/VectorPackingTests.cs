using System.Buffers.Binary;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using Google.Protobuf;

namespace EndToEnd.Tests.Client;

public class VectorPackingTests
{
    [Fact]
    public void BuildPush_ValuesAreLittleEndianFloat32RowAfterRow()
    {
        float[] values = [1.5f, -2.25f, float.Epsilon, 3e38f, 0f, -0f];
        var request = EmbeddingStoreClient.BuildPush("v", PushKind.Delta, [7, 9], values, OnFrozen.Report, Durability.Sync);

        var expected = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(expected.AsSpan(i * 4), values[i]);
        Assert.Equal(expected, request.Values.ToByteArray());
        Assert.Equal([7L, 9L], request.Ids);
        Assert.Equal(("v", PushKind.Delta, OnFrozen.Report, Durability.Sync), (request.View, request.Kind, request.OnFrozen, request.Durability));
    }

    [Fact]
    public void BuildPush_ValuesNotAMultipleOfIds_Throws() =>
        Assert.Throws<ArgumentException>(() => EmbeddingStoreClient.BuildPush("v", PushKind.Assign, [1, 2], new float[5]));

    [Fact]
    public void Unpack_ReadsLittleEndianBytesIntoDestination()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, 0.125f);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4), -7f);
        var destination = new float[2];

        VectorPacking.Unpack(ByteString.CopyFrom(bytes), rows: 1, dim: 2, destination);

        Assert.Equal([0.125f, -7f], destination);
    }

    [Theory]
    [InlineData(3, 2, 6)] // server sent fewer bytes than rows * dim
    [InlineData(2, 2, 5)] // destination is not rows * dim long
    public void Unpack_SizeMismatch_Throws(int rows, int dim, int destinationLength)
    {
        var packed = VectorPacking.Pack(new float[4]);
        Assert.Throws<InvalidOperationException>(() => VectorPacking.Unpack(packed, rows, dim, new float[destinationLength]));
    }
}
