using System.Text;
using EmbeddingStore.Core;
using VectorFormats;
using EmbeddingStore.Tests.Formats;

namespace EmbeddingStore.Tests.Core;

public class ImportExportTests
{
    [Fact]
    public async Task Import_RealGloveFile_AllRowsWithVarianceMatchedRange()
    {
        await using var t = await TestStore.OpenAsync();
        var path = TestData.File("vectors/glove-6b-100d-mr-sst2-trec.bin");
        var reports = new List<ImportProgress>();
        await using var file = File.OpenRead(path);
        var table = await t.Store.ImportAsync("glove", file, VectorFormat.Auto, "glove-small.bin", file.Length,
            new Progress<ImportProgress>(reports.Add), default);
        Assert.Equal(22120, table.Rows);
        Assert.Equal(100, table.Dim);
        // shared/data/README.md: a = 0.857 for this file.
        Assert.Equal(0.857, table.VarianceMatchedA, 0.005);
        t.Store.CreateView(new ViewSpec("v", "glove", null, TrainMode.Static, UnknownPolicy.Fail));
        var ids = t.Store.Resolve("v", ["the", "movie"], UnknownPolicy.Default).Ids;
        var vectors = new float[200];
        t.Store.Pull("v", ids, vectors, new RowMeta[2]);
        Assert.Contains(vectors, v => v != 0);
    }

    [Fact]
    public async Task Import_MalformedFile_FailsWithLineAndLeavesNoTable()
    {
        await using var t = await TestStore.OpenAsync();
        var text = "3 2\na 1 2\nb 1 nope\nc 3 4\n";
        var e = await Assert.ThrowsAsync<VectorFormatException>(() =>
            t.Store.ImportAsync("bad", new MemoryStream(Encoding.UTF8.GetBytes(text)), VectorFormat.Auto, "bad.txt", text.Length, null, default));
        Assert.Contains("bad.txt: line 3", e.Message);
        Assert.Empty(t.Store.ListTables());
        Assert.Equal(StoreError.NotFound, Assert.Throws<StoreException>(() => t.Store.DescribeTable("bad")).Error);
        await t.ReopenAsync();
        Assert.Empty(t.Store.ListTables());
        await t.ImportAsync("bad", ("a", [1f, 2f]));
        Assert.Equal(1, t.Store.DescribeTable("bad").Rows);
    }

    [Fact]
    public async Task Import_ExistingName_AlreadyExists()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", ("a", [1f]));
        var e = await Assert.ThrowsAsync<StoreException>(() => t.ImportAsync("g", ("b", [2f])));
        Assert.Equal(StoreError.AlreadyExists, e.Error);
    }

    [Fact]
    public async Task Import_DuplicateToken_FirstOccurrenceKept()
    {
        await using var t = await TestStore.OpenAsync();
        var table = await t.ImportAsync("g", ("a", [1f]), ("b", [2f]), ("a", [3f]));
        Assert.Equal(2, table.Rows);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Static, UnknownPolicy.Fail));
        var vector = new float[1];
        t.Store.Pull("v", t.Store.Resolve("v", ["a"], UnknownPolicy.Fail).Ids, vector, new RowMeta[1]);
        Assert.Equal(1f, vector[0]);
    }

    [Fact]
    public async Task Export_FineTunedViewWithNewRows_ReadsBackAsWord2Vec()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", ("a", [1f, 2f]), ("b", [3f, 4f]));
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create, InitKind.Zeros));
        var ids = t.Store.Resolve("v", ["b", "@user"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("v", PushKind.Assign, ids, new float[] { 9, 9, 5, 6 }, false, false, default);

        var output = new MemoryStream();
        await t.Store.ExportAsync("v", output, binary: true, null, default);
        output.Position = 0;
        using var reader = VectorFileReader.Open(output, VectorFormat.Auto, "export");
        var rows = new Dictionary<string, float[]>();
        var vector = new float[2];
        while (reader.TryReadRow(out var token, vector)) rows[token] = [.. vector];
        Assert.Equal(3, rows.Count);
        Assert.Equal([1f, 2f], rows["a"]);
        Assert.Equal([9f, 9f], rows["b"]);
        Assert.Equal([5f, 6f], rows["@user"]);
    }

    [Fact]
    public async Task Import_Cancelled_LeavesNoTable()
    {
        await using var t = await TestStore.OpenAsync();
        var text = new StringBuilder("5000 4\n");
        for (var i = 0; i < 5000; i++) text.Append($"w{i} 1 2 3 4\n");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.Store.ImportAsync("g",
            new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), VectorFormat.Auto, "big.txt", text.Length, null, cts.Token));
        Assert.Empty(t.Store.ListTables());
    }

    [Fact]
    public async Task Import_InMemoryStoreTooSmall_ResourceExhaustedAndNoTable()
    {
        var options = new StoreOptions { DataDir = "unused", InMemory = true, MemoryBudgetBytes = 1 << 20, PageSizeBits = 16, IndexBuckets = 1 << 12 };
        await using var store = await Store.OpenAsync(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, default);
        var text = new StringBuilder("20000 16\n");
        for (var i = 0; i < 20000; i++) text.Append($"w{i} 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
        var e = await Assert.ThrowsAsync<StoreException>(() => store.ImportAsync("big",
            new MemoryStream(Encoding.UTF8.GetBytes(text.ToString())), VectorFormat.Auto, "big.txt", text.Length, null, default));
        Assert.Equal(StoreError.ResourceExhausted, e.Error);
        Assert.Contains("--memory-mb", e.Message);
        Assert.Empty(store.ListTables());
    }
}
