using EmbeddingStore.Core;
using EmbeddingStore.Core.Storage;

namespace EmbeddingStore.Tests.Core;

public sealed class RowRecordTests
{
    [Theory]
    [InlineData(0, 2)]
    [InlineData(2, 1)]
    public void WriteCopy_OfAnotherRecord_KeepsVectorAndTokenAndZeroesState(int sourceSlots, int copySlots)
    {
        float[] vector = [1.5f, -2f, 0.25f];
        var source = RowRecord.Create(42, RowOrigin.Base, "naïve", vector, sourceSlots);
        RowRecord.State(source).Fill(7f);
        var copy = new byte[source.Length + 4 * vector.Length * copySlots + 64];
        copy.AsSpan().Fill(0xAB);

        var length = RowRecord.WriteCopy(copy, source, copySlots);

        var written = copy.AsSpan(0, length);
        Assert.Equal(RowRecord.Length(vector.Length, copySlots, "naïve"u8.Length), length);
        Assert.Equal(0, RowRecord.Version(written));
        Assert.Equal(RowOrigin.Copy, RowRecord.Origin(written));
        Assert.Equal(copySlots, RowRecord.Slots(written));
        Assert.Equal(vector, RowRecord.Vector((ReadOnlySpan<byte>)written).ToArray());
        Assert.All(RowRecord.State(written).ToArray(), s => Assert.Equal(0f, s));
        Assert.Equal("naïve", RowRecord.Token(written));
        Assert.Equal(RowRecord.Create(0, RowOrigin.Copy, "naïve", vector, copySlots), written.ToArray());
    }
}
