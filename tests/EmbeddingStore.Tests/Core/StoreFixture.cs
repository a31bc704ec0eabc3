using System.Globalization;
using System.Text;
using EmbeddingStore.Core;
using VectorFormats;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>A fresh data folder per test, removed afterwards, and a store opened on it with small memory settings.</summary>
public sealed class TestStore : IAsyncDisposable
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "embstore-test-" + Guid.NewGuid().ToString("N"));
    public Store Store { get; private set; } = null!;
    private readonly bool _inMemory;
    private readonly Func<StoreOptions, StoreOptions> _configure;

    private TestStore(bool inMemory, Func<StoreOptions, StoreOptions>? configure)
    {
        _inMemory = inMemory;
        _configure = configure ?? (o => o);
    }

    /// <summary>Opens a store on a fresh folder; <paramref name="configure"/> may change the test settings.</summary>
    public static async Task<TestStore> OpenAsync(bool inMemory = false, Func<StoreOptions, StoreOptions>? configure = null)
    {
        var test = new TestStore(inMemory, configure);
        test.Store = await Store.OpenAsync(test.Options, NullLoggerFactory.Instance, CancellationToken.None);
        return test;
    }

    public StoreOptions Options => _configure(new()
    {
        DataDir = DataDir,
        InMemory = _inMemory,
        MemoryBudgetBytes = 32L << 20,
        PageSizeBits = 20,
        IndexBuckets = 1 << 14,
        CheckpointInterval = TimeSpan.Zero,
    });

    /// <summary>Closes the store gracefully and opens it again on the same folder.</summary>
    public async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = await Store.OpenAsync(Options, NullLoggerFactory.Instance, CancellationToken.None);
    }

    /// <summary>Imports a word2vec text table built from (token, vector) pairs.</summary>
    public Task<TableInfo> ImportAsync(string table, params (string Token, float[] Vector)[] rows)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{rows.Length} {rows[0].Vector.Length}\n");
        foreach (var (token, vector) in rows)
            text.Append(token).Append(' ').AppendJoin(' ', vector.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        return Store.ImportAsync(table, stream, VectorFormat.Word2VecText, "test.txt", stream.Length, null, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (Directory.Exists(DataDir)) Directory.Delete(DataDir, recursive: true);
    }
}
