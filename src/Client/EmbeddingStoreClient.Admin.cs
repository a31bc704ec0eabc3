using EmbeddingStore.Protos;
using Google.Protobuf;
using Grpc.Core;

namespace EmbeddingStore.Client;

/// <summary>Tables, views, import, export and checkpoints.</summary>
public sealed partial class EmbeddingStoreClient
{
    private const int UploadChunkBytes = 1 << 20;

    /// <summary>Asks the store to import a file from its import folder; reports the store's progress.</summary>
    public async Task<TableInfo> ImportFileAsync(string table, string serverPath, VectorFormat format = VectorFormat.Auto,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var call = Admin.ImportFile(new ImportFileRequest { Table = table, Path = serverPath, Format = format },
            cancellationToken: cancellationToken);
        await foreach (var update in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            progress?.Report(update);
            if (update.Done) return update.Table;
        }
        throw new RpcException(new Status(StatusCode.Internal, "the import ended without a final message"));
    }

    /// <summary>Uploads a local vector file in 1 MiB chunks; progress counts the bytes sent.</summary>
    public async Task<TableInfo> UploadFileAsync(string table, string localPath, VectorFormat format = VectorFormat.Auto,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(localPath);
        using var call = Admin.UploadFile(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new UploadChunk
        {
            Header = new UploadHeader { Table = table, Format = format, TotalBytes = file.Length, SourceName = Path.GetFileName(localPath) },
        }, cancellationToken);
        var buffer = new byte[UploadChunkBytes];
        long sent = 0;
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await call.RequestStream.WriteAsync(new UploadChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
            sent += read;
            progress?.Report(new ImportProgress { BytesDone = sent, BytesTotal = file.Length });
        }
        await call.RequestStream.CompleteAsync();
        var final = await call.ResponseAsync;
        progress?.Report(final);
        return final.Table;
    }

    public async Task<TableInfo> CreateTableAsync(string name, int dim, CancellationToken cancellationToken = default) =>
        await Admin.CreateTableAsync(new CreateTableRequest { Name = name, Dim = dim }, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<TableInfo>> ListTablesAsync(CancellationToken cancellationToken = default) =>
        (await Admin.ListTablesAsync(new ListTablesRequest(), cancellationToken: cancellationToken)).Tables;

    public async Task<TableInfo> DescribeTableAsync(string name, CancellationToken cancellationToken = default) =>
        await Admin.DescribeTableAsync(new DescribeTableRequest { Name = name }, cancellationToken: cancellationToken);

    public async Task<long> DeleteTableAsync(string name, CancellationToken cancellationToken = default) =>
        (await Admin.DeleteTableAsync(new DeleteTableRequest { Name = name }, cancellationToken: cancellationToken)).RecordsRemoved;

    public async Task<ViewInfo> CreateViewAsync(CreateViewRequest request, CancellationToken cancellationToken = default) =>
        await Admin.CreateViewAsync(request, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<ViewInfo>> ListViewsAsync(string? table = null, CancellationToken cancellationToken = default) =>
        (await Admin.ListViewsAsync(new ListViewsRequest { Table = table ?? "" }, cancellationToken: cancellationToken)).Views;

    public async Task<ViewInfo> DescribeViewAsync(string name, CancellationToken cancellationToken = default) =>
        await Admin.DescribeViewAsync(new DescribeViewRequest { Name = name }, cancellationToken: cancellationToken);

    public async Task<long> DeleteViewAsync(string name, CancellationToken cancellationToken = default) =>
        (await Admin.DeleteViewAsync(new DeleteViewRequest { Name = name }, cancellationToken: cancellationToken)).RecordsRemoved;

    /// <summary>Writes a view as a word2vec file (binary unless <paramref name="format"/> is WORD2VEC_TEXT).</summary>
    public async Task ExportAsync(string view, Stream destination, VectorFormat format = VectorFormat.Word2VecBinary,
        IProgress<ExportChunk>? progress = null, CancellationToken cancellationToken = default)
    {
        using var call = Admin.Export(new ExportRequest { View = view, Format = format }, cancellationToken: cancellationToken);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            await destination.WriteAsync(chunk.Data.Memory, cancellationToken);
            progress?.Report(chunk);
        }
    }

    public async Task<CheckpointResponse> CheckpointAsync(CancellationToken cancellationToken = default) =>
        await Admin.CheckpointAsync(new CheckpointRequest(), cancellationToken: cancellationToken);
}
