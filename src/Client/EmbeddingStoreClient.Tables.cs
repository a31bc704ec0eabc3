using Google.Protobuf;
using Grpc.Core;
using EmbeddingStore.Protos;

namespace EmbeddingStore.Client;

public sealed partial class EmbeddingStoreClient
{
    /// <summary>Upload chunk size; the contract allows up to 1 MiB per message.</summary>
    public const int UploadChunkBytes = 1024 * 1024;

    /// <summary>
    /// Asks the server to import a file from its own import folder into a new table, reporting the server's progress.
    /// </summary>
    /// <param name="serverPath">Path relative to the server's import folder.</param>
    /// <exception cref="RpcException">ALREADY_EXISTS, NOT_FOUND, PERMISSION_DENIED or INVALID_ARGUMENT (malformed file).</exception>
    public async Task<TableInfo> ImportFileAsync(string table, string serverPath, VectorFormat format = VectorFormat.Auto,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var request = new ImportFileRequest { Table = table, Path = serverPath, Format = format };
        using var call = Admin.ImportFile(request, cancellationToken: cancellationToken);
        await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            progress?.Report(message);
            if (message.Done) return message.Table;
        }
        throw new InvalidOperationException($"import of {serverPath} into {table} ended without a final message");
    }

    /// <summary>
    /// Uploads a local file into a new table in <see cref="UploadChunkBytes"/> chunks.
    /// Progress reports the bytes sent so far (<see cref="ImportProgress.BytesDone"/> of <see cref="ImportProgress.BytesTotal"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException"><paramref name="localPath"/> does not exist.</exception>
    /// <exception cref="RpcException">The server's status, also when it refused the upload before reading all of it: ALREADY_EXISTS,
    /// INVALID_ARGUMENT (malformed file), RESOURCE_EXHAUSTED (--max-concurrent-imports, message size), PERMISSION_DENIED.</exception>
    public async Task<TableInfo> UploadFileAsync(string table, string localPath, VectorFormat format = VectorFormat.Auto,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var total = file.Length;
        using var call = Admin.UploadFile(cancellationToken: cancellationToken);
        var header = new UploadHeader { Table = table, Format = format, TotalBytes = total, SourceName = Path.GetFileName(localPath) };
        try
        {
            await call.RequestStream.WriteAsync(new UploadChunk { Header = header }, cancellationToken);
            var buffer = new byte[UploadChunkBytes];
            long sent = 0;
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await call.RequestStream.WriteAsync(new UploadChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
                sent += read;
                progress?.Report(new ImportProgress { BytesDone = sent, BytesTotal = total });
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The server may refuse an upload before it has read all of it (a limit, a bad header, an existing
            // table). A write then fails with whatever the client saw first, often CANCELLED; the response carries
            // the server's own status and message, so that is what the caller gets.
            await call.ResponseAsync;
            throw;
        }
        var final = await call.ResponseAsync;
        progress?.Report(final);
        return final.Table;
    }

    /// <summary>Creates an empty table of dimension <paramref name="dim"/> (1..4096).</summary>
    /// <exception cref="RpcException">ALREADY_EXISTS or INVALID_ARGUMENT.</exception>
    public async Task<TableInfo> CreateTableAsync(string name, int dim, CancellationToken cancellationToken = default) =>
        await Admin.CreateTableAsync(new CreateTableRequest { Name = name, Dim = dim }, Unary(cancellationToken));

    /// <summary>Lists every table.</summary>
    public async Task<IReadOnlyList<TableInfo>> ListTablesAsync(CancellationToken cancellationToken = default) =>
        (await Admin.ListTablesAsync(new ListTablesRequest(), Unary(cancellationToken))).Tables;

    /// <summary>Describes one table.</summary>
    /// <exception cref="RpcException">NOT_FOUND.</exception>
    public async Task<TableInfo> DescribeTableAsync(string name, CancellationToken cancellationToken = default) =>
        await Admin.DescribeTableAsync(new DescribeTableRequest { Name = name }, Unary(cancellationToken));

    /// <summary>Deletes a table and returns the number of records removed.</summary>
    /// <exception cref="RpcException">NOT_FOUND, or FAILED_PRECONDITION while views still read it.</exception>
    public async Task<long> DeleteTableAsync(string name, CancellationToken cancellationToken = default) =>
        (await Admin.DeleteTableAsync(new DeleteTableRequest { Name = name }, Unary(cancellationToken))).RecordsRemoved;
}
