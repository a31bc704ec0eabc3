using Grpc.Core;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

/// <summary>Export progress: rows written so far out of the view's rows, and bytes received.</summary>
public readonly record struct ExportProgress(long RowsDone, long RowsTotal, long BytesDone);

public sealed partial class EmbeddingStoreClient
{
    /// <summary>Creates a view over a table or another view.</summary>
    /// <exception cref="RpcException">ALREADY_EXISTS, NOT_FOUND (parent) or INVALID_ARGUMENT (bad option).</exception>
    public async Task<ViewInfo> CreateViewAsync(CreateViewRequest request, CancellationToken cancellationToken = default) =>
        await Admin.CreateViewAsync(request, Unary(cancellationToken));

    /// <inheritdoc cref="CreateViewAsync(CreateViewRequest, CancellationToken)"/>
    public Task<ViewInfo> CreateViewAsync(ViewOptions options, CancellationToken cancellationToken = default) =>
        CreateViewAsync(options.ToRequest(), cancellationToken);

    /// <summary>Lists views, only those over <paramref name="table"/> (at any depth) when given.</summary>
    public async Task<IReadOnlyList<ViewInfo>> ListViewsAsync(string? table = null, CancellationToken cancellationToken = default) =>
        (await Admin.ListViewsAsync(new ListViewsRequest { Table = table ?? "" }, Unary(cancellationToken))).Views;

    /// <summary>Describes one view.</summary>
    /// <exception cref="RpcException">NOT_FOUND.</exception>
    public async Task<ViewInfo> DescribeViewAsync(string name, CancellationToken cancellationToken = default) =>
        await Admin.DescribeViewAsync(new DescribeViewRequest { Name = name }, Unary(cancellationToken));

    /// <summary>Deletes a view and its own rows; returns the number of records removed.</summary>
    /// <exception cref="RpcException">NOT_FOUND, or FAILED_PRECONDITION while other views are layered over it.</exception>
    public async Task<long> DeleteViewAsync(string name, CancellationToken cancellationToken = default) =>
        (await Admin.DeleteViewAsync(new DeleteViewRequest { Name = name }, Unary(cancellationToken))).RecordsRemoved;

    /// <summary>
    /// Streams everything <paramref name="view"/> reads, as a word2vec file, into <paramref name="destination"/>.
    /// </summary>
    /// <param name="format"><see cref="VectorFormat.Word2VecBinary"/> or <see cref="VectorFormat.Word2VecText"/>.</param>
    /// <returns>The number of rows written.</returns>
    /// <exception cref="RpcException">NOT_FOUND (view) or INVALID_ARGUMENT (format).</exception>
    public async Task<long> ExportAsync(string view, Stream destination, VectorFormat format = VectorFormat.Word2VecBinary,
        IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var call = Admin.Export(new ExportRequest { View = view, Format = format }, cancellationToken: cancellationToken);
        long bytes = 0, rows = 0;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            await destination.WriteAsync(chunk.Data.Memory, cancellationToken);
            bytes += chunk.Data.Length;
            rows = chunk.RowsDone;
            progress?.Report(new ExportProgress(chunk.RowsDone, chunk.RowsTotal, bytes));
        }
        await destination.FlushAsync(cancellationToken);
        return rows;
    }

    /// <summary>Takes a checkpoint and returns once it is on disk.</summary>
    public Task<CheckpointResponse> CheckpointAsync(CancellationToken cancellationToken = default) =>
        CheckpointAsync(compact: false, cancellationToken);

    /// <summary>Takes a checkpoint, after compacting the store's log when <paramref name="compact"/> is set.</summary>
    public async Task<CheckpointResponse> CheckpointAsync(bool compact, CancellationToken cancellationToken = default) =>
        await Admin.CheckpointAsync(new CheckpointRequest { Compact = compact }, Unary(cancellationToken));
}
