using System.Globalization;
using VectorFormats;

namespace EmbeddingStore.Tests.Formats;

/// <summary>
/// <see cref="ReadAheadVectorReader"/> parses on its own thread: the caller must see exactly what the inner reader
/// gives, row by row (position included), with errors at the same row, whatever the chunk size.
/// </summary>
public class ReadAheadTests
{
    private static readonly (string Token, float[] Vector)[] Rows = Enumerable.Range(0, 250)
        .Select(i => ($"w{i % 240}", Enumerable.Range(0, 5).Select(j => i * 0.25f - j).ToArray()))
        .ToArray();

    private static byte[] GloveText(IEnumerable<(string Token, float[] Vector)> rows) => VectorBytes.Text(string.Concat(rows.Select(r =>
        r.Token + " " + string.Join(' ', r.Vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n")));

    /// <summary>Every row with the inner reader's position after it, then the position at the end.</summary>
    private static (List<(string, float[], long)> Rows, long End) Trace(IVectorReader reader)
    {
        var rows = new List<(string, float[], long)>();
        var vector = new float[reader.Dim];
        while (reader.TryReadRow(out var token, vector)) rows.Add((token, vector.ToArray(), reader.BytesRead));
        return (rows, reader.BytesRead);
    }

    public static TheoryData<bool?, int> Files => new()
    {
        { true, 1 }, { true, 7 }, { true, 250 }, { true, 0 },
        { false, 1 }, { false, 64 }, { false, 1000 },
        { null, 3 }, { null, 0 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void SameRowsAndPositionsAsTheInnerReader(bool? binary, int rowsPerChunk)
    {
        // binary: word2vec binary; false: word2vec text; null: GloVe text (no header). Tokens repeat (w0-w9 twice).
        var file = binary is { } b ? VectorBytes.Write(b, Rows) : GloveText(Rows);
        using var plain = VectorFileReader.Open(new MemoryStream(file), VectorFormat.Auto, "test.vec");
        using var ahead = new ReadAheadVectorReader(VectorFileReader.Open(new TrickleStream(file, seed: 5), VectorFormat.Auto, "test.vec"), rowsPerChunk);

        Assert.Equal((plain.Dim, plain.DeclaredRows, plain.Format), (ahead.Dim, ahead.DeclaredRows, ahead.Format));
        Assert.Equal(plain.BytesRead, ahead.BytesRead);
        var (expected, expectedEnd) = Trace(plain);
        var (actual, actualEnd) = Trace(ahead);
        Assert.Equal(Rows.Length, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Item1, actual[i].Item1);
            Assert.Equal(expected[i].Item2, actual[i].Item2);
            Assert.Equal(expected[i].Item3, actual[i].Item3);
        }
        Assert.Equal(file.Length, actualEnd);
        Assert.Equal(expectedEnd, actualEnd);
        Assert.False(ahead.TryReadRow(out _, new float[ahead.Dim]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(500)]
    public void MalformedRow_EveryRowBeforeItThenTheSameError(int rowsPerChunk)
    {
        var text = GloveText(Rows[..100]).Concat(VectorBytes.Text("broken 1 2 x 4 5\n")).Concat(GloveText(Rows[100..])).ToArray();
        var expected = VectorBytes.ReadError(text);
        using var reader = new ReadAheadVectorReader(VectorFileReader.Open(new MemoryStream(text), VectorFormat.Auto, "test.vec"), rowsPerChunk);

        var vector = new float[reader.Dim];
        for (var i = 0; i < 100; i++)
        {
            Assert.True(reader.TryReadRow(out var token, vector));
            Assert.Equal(Rows[i].Token, token);
        }
        var error = Assert.Throws<VectorFormatException>(() => reader.TryReadRow(out _, vector));

        Assert.Equal(expected.Message, error.Message);
        Assert.Equal("line 101", error.Location);
    }

    [Fact]
    public void TruncatedFile_ErrorAfterTheLastWholeRow()
    {
        var file = VectorBytes.Write(binary: true, Rows)[..^9];
        var expected = VectorBytes.ReadError(file);
        using var reader = new ReadAheadVectorReader(VectorFileReader.Open(new MemoryStream(file), VectorFormat.Auto, "test.vec"), 32);

        var read = 0;
        var error = Assert.Throws<VectorFormatException>(() =>
        {
            var vector = new float[reader.Dim];
            while (reader.TryReadRow(out _, vector)) read++;
        });

        Assert.Equal(Rows.Length - 1, read);
        Assert.Equal(expected.Message, error.Message);
    }

    [Fact]
    public void DisposedBeforeTheEnd_StopsParsingAndDisposesTheInnerReader()
    {
        // 5 MB: several of the inner reader's 1 MiB buffers.
        var many = Enumerable.Range(0, 300_000).Select(i => ($"t{i}", new[] { i * 1f, 2f, 3f })).ToArray();
        var stream = new TrackingStream(VectorBytes.Write(binary: false, many));
        var reader = new ReadAheadVectorReader(VectorFileReader.Open(stream, VectorFormat.Auto, "test.vec"), 10);
        var vector = new float[3];
        Assert.True(reader.TryReadRow(out _, vector));

        reader.Dispose();

        Assert.True(stream.Disposed);
        // It read a few chunks ahead, not the whole file.
        Assert.True(stream.BytesRead < stream.Length / 2, $"read {stream.BytesRead} of {stream.Length} bytes");
        Assert.Throws<ObjectDisposedException>(() => reader.TryReadRow(out _, vector));
        reader.Dispose();
    }

    [Fact]
    public void ParsesOnItsOwnThread()
    {
        var stream = new TrackingStream(VectorBytes.Write(binary: true, Rows));
        using var reader = new ReadAheadVectorReader(VectorFileReader.Open(stream, VectorFormat.Auto, "test.vec"), 8);
        var vector = new float[reader.Dim];
        while (reader.TryReadRow(out _, vector)) { }

        // The header is read by the caller's Open; every row after it by the reader's thread.
        Assert.Contains("vector-reader", stream.ReadingThreads);
    }

    private sealed class TrackingStream(byte[] data) : MemoryStream(data)
    {
        public bool Disposed { get; private set; }
        public HashSet<string> ReadingThreads { get; } = [];
        public long BytesRead { get; private set; }
        public override long Length { get; } = data.Length;

        public override int Read(byte[] buffer, int offset, int count) => Count(base.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(base.Read(buffer));

        private int Count(int read)
        {
            lock (ReadingThreads)
            {
                ReadingThreads.Add(Thread.CurrentThread.Name ?? "unnamed");
                BytesRead += read;
            }
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
