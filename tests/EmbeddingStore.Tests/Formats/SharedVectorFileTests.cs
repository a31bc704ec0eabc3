using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

public class SharedVectorFileTests
{
    [Fact]
    public void SmallGloveBinary_ReadsAllRowsFinite()
    {
        string path = TestData.File("vectors/glove-6b-100d-mr-sst2-trec.bin");

        using var reader = VectorFileReader.Open(File.OpenRead(path), VectorFormat.Auto, Path.GetFileName(path));
        var vector = new float[reader.Dim];
        string? first = null;
        long rows = 0;
        bool allFinite = true;
        while (reader.TryReadRow(out string token, vector))
        {
            first ??= token;
            rows++;
            foreach (float v in vector) allFinite &= float.IsFinite(v);
        }

        Assert.Equal(VectorFormat.Word2VecBinary, reader.Format);
        Assert.Equal(100, reader.Dim);
        Assert.Equal(22_120, reader.DeclaredRows);
        Assert.Equal(22_120, rows);
        Assert.Equal("the", first);
        Assert.True(allFinite);
        Assert.Equal(new FileInfo(path).Length, reader.BytesRead);
    }

    [Fact]
    public void SmallGloveBinary_RewrittenByWriter_IsByteIdentical()
    {
        string path = TestData.File("vectors/glove-6b-100d-mr-sst2-trec.bin");
        byte[] original = File.ReadAllBytes(path);
        var copy = new MemoryStream();

        using (var reader = VectorFileReader.Open(new MemoryStream(original), VectorFormat.Word2VecBinary, "small.bin"))
        using (var writer = VectorFileWriter.Create(copy, binary: true, reader.DeclaredRows!.Value, reader.Dim, leaveOpen: true))
        {
            var vector = new float[reader.Dim];
            while (reader.TryReadRow(out string token, vector)) writer.WriteRow(token, vector);
        }

        Assert.True(original.AsSpan().SequenceEqual(copy.ToArray()), "the writer's bytes differ from the shared file");
    }
}
