using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading.Channels;
using EmbeddingStore.Core;
using EmbeddingStore.Protos;
using EmbeddingStore.Server.Limits;
using EmbeddingStore.Server.Security;
using Google.Protobuf;
using Grpc.Core;
using CoreProgress = EmbeddingStore.Core.ImportProgress;
using ImportProgress = EmbeddingStore.Protos.ImportProgress;

namespace EmbeddingStore.Server.Services;

/// <summary>Tables, views, import, export and checkpoints: validate, convert, call the core.</summary>
public sealed partial class AdminService(StoreHost host, ServerOptions options, ImportSlots imports, ILogger<AdminService> logger) : Admin.AdminBase
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>How much of a refused upload the server still reads (and drops) before it answers.</summary>
    private const long RefusedUploadDrainBytes = 256L << 20;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public override async Task ImportFile(ImportFileRequest request, IServerStreamWriter<ImportProgress> responseStream, ServerCallContext context)
    {
        var store = host.Store;
        using var slot = imports.Enter();
        await using var file = ImportPaths.Open(options.ResolvedImportDir, request.Path, out var path);
        await ImportWithProgressAsync(store, request.Table, file, ProtoMapping.ToCore(request.Format), Path.GetFileName(path), file.Length,
            update => responseStream.WriteAsync(update), context.CancellationToken);
    }

    public override async Task<ImportProgress> UploadFile(IAsyncStreamReader<UploadChunk> requestStream, ServerCallContext context)
    {
        var store = host.Store;
        using var slot = imports.Enter();
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation) || requestStream.Current.PartCase != UploadChunk.PartOneofCase.Header)
            throw new StoreException(StoreError.InvalidArgument, "the first message of an upload must be its header");
        var header = requestStream.Current.Header;
        // The client's chunks flow through a bounded pipe, so an upload of any size holds a few MiB at most.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8 * ChunkBytes, resumeWriterThreshold: 4 * ChunkBytes));
        var pump = Task.Run(async () =>
        {
            try
            {
                long drained = 0;
                var importEnded = false;
                while (await requestStream.MoveNext(cancellation))
                {
                    if (requestStream.Current.PartCase != UploadChunk.PartOneofCase.Data)
                        throw new StoreException(StoreError.InvalidArgument, "only the first message of an upload may be a header");
                    // An import that ended early (refused, or a bad row) reads no more: what the client still sends is
                    // read and dropped, up to a cap, so that its writes end cleanly and it reads the answer.
                    if (importEnded)
                    {
                        drained += requestStream.Current.Data.Length;
                        if (drained > RefusedUploadDrainBytes) break;
                        continue;
                    }
                    importEnded = (await pipe.Writer.WriteAsync(requestStream.Current.Data.Memory, cancellation)).IsCompleted;
                }
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, cancellation);
        ImportProgress? final = null;
        var source = string.IsNullOrEmpty(header.SourceName) ? "upload" : header.SourceName;
        try
        {
            await using var stream = pipe.Reader.AsStream();
            await ImportWithProgressAsync(store, header.Table, stream, ProtoMapping.ToCore(header.Format), source, header.TotalBytes,
                update =>
                {
                    if (update.Done) final = update;
                    return Task.CompletedTask;
                }, cancellation);
        }
        catch (Exception) when (!cancellation.IsCancellationRequested)
        {
            // The answer goes out once the pump has drained the rest of the upload (see above).
            try { await pump; }
            catch (Exception) { }
            throw;
        }
        await pump;
        return final!;
    }

    /// <summary>Runs an import, forwarding throttled progress and then the final message with the table.</summary>
    private async Task ImportWithProgressAsync(IEmbeddingStore store, string table, Stream source, VectorFormats.VectorFormat format,
        string sourceName, long totalBytes, Func<ImportProgress, Task> send, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        ServerLog.ImportStarted(logger, sourceName, table, Math.Max(0, totalBytes) / 1e6);
        var updates = Channel.CreateBounded<CoreProgress>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        var import = store.ImportAsync(table, source, format, sourceName, totalBytes,
            new ChannelProgress(updates.Writer), cancellationToken);
        _ = import.ContinueWith(_ => updates.Writer.TryComplete(), TaskScheduler.Default);
        var last = Stopwatch.StartNew();
        CoreProgress? latest = null;
        await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken))
        {
            latest = update;
            if (last.Elapsed < ProgressInterval) continue;
            await send(ProtoMapping.ToProto(update));
            last.Restart();
        }
        var info = await import;
        var done = latest is { } l ? ProtoMapping.ToProto(l) : new ImportProgress();
        done.Done = true;
        done.Table = ProtoMapping.ToProto(info);
        done.RowsDone = info.Rows;
        await send(done);
        var megabytes = (latest?.BytesDone ?? 0) / 1e6;
        ServerLog.ImportFinished(logger, sourceName, table, info.Rows, info.Dim, megabytes, clock.Elapsed.TotalSeconds,
            megabytes / Math.Max(1e-9, clock.Elapsed.TotalSeconds));
    }

    private sealed class ChannelProgress(ChannelWriter<CoreProgress> writer) : IProgress<CoreProgress>
    {
        public void Report(CoreProgress value) => writer.TryWrite(value);
    }

    public override Task<Protos.TableInfo> CreateTable(CreateTableRequest request, ServerCallContext context)
    {
        options.Limits.CheckDim(request.Dim);
        return Task.FromResult(ProtoMapping.ToProto(host.Store.CreateTable(request.Name, request.Dim)));
    }

    public override Task<ListTablesResponse> ListTables(ListTablesRequest request, ServerCallContext context)
    {
        var store = host.Store;
        var listings = Listings.For(context, store);
        var reply = new ListTablesResponse();
        reply.Tables.AddRange(store.ListTables().Where(t => listings.ShowsTable(t.Name)).Select(t => ProtoMapping.ToProto(listings.Filter(t))));
        return Task.FromResult(reply);
    }

    public override Task<Protos.TableInfo> DescribeTable(DescribeTableRequest request, ServerCallContext context)
    {
        var store = host.Store;
        var listings = Listings.For(context, store);
        listings.RequireTable(request.Name);
        return Task.FromResult(ProtoMapping.ToProto(listings.Filter(store.DescribeTable(request.Name))));
    }

    public override Task<DeleteResponse> DeleteTable(DeleteTableRequest request, ServerCallContext context) =>
        Task.FromResult(new DeleteResponse { RecordsRemoved = host.Store.DeleteTable(request.Name) });

    public override Task<Protos.ViewInfo> CreateView(CreateViewRequest request, ServerCallContext context) =>
        Task.FromResult(ProtoMapping.ToProto(host.Store.CreateView(ProtoMapping.ToSpec(request))));

    public override Task<ListViewsResponse> ListViews(ListViewsRequest request, ServerCallContext context)
    {
        var store = host.Store;
        var listings = Listings.For(context, store);
        var table = string.IsNullOrEmpty(request.Table) ? null : request.Table;
        if (table is not null) listings.RequireTable(table);
        var reply = new ListViewsResponse();
        reply.Views.AddRange(store.ListViews(table).Where(v => listings.ShowsView(v.Name)).Select(ProtoMapping.ToProto));
        return Task.FromResult(reply);
    }

    public override Task<Protos.ViewInfo> DescribeView(DescribeViewRequest request, ServerCallContext context) =>
        Task.FromResult(ProtoMapping.ToProto(host.Store.DescribeView(request.Name)));

    public override Task<DeleteResponse> DeleteView(DeleteViewRequest request, ServerCallContext context) =>
        Task.FromResult(new DeleteResponse { RecordsRemoved = host.Store.DeleteView(request.Name) });

    public override async Task Export(ExportRequest request, IServerStreamWriter<ExportChunk> responseStream, ServerCallContext context)
    {
        var store = host.Store;
        var binary = request.Format switch
        {
            VectorFormat.Auto or VectorFormat.Word2VecBinary => true,
            VectorFormat.Word2VecText => false,
            _ => throw new StoreException(StoreError.InvalidArgument, "export writes WORD2VEC_BINARY or WORD2VEC_TEXT"),
        };
        var cancellation = context.CancellationToken;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * ChunkBytes, resumeWriterThreshold: 2 * ChunkBytes));
        CoreProgress progress = default;
        var writer = Task.Run(async () =>
        {
            try
            {
                await using var stream = pipe.Writer.AsStream();
                await store.ExportAsync(request.View, stream, binary, new InlineProgress(p => progress = p), cancellation);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, cancellation);
        while (true)
        {
            var read = await pipe.Reader.ReadAsync(cancellation);
            foreach (var segment in read.Buffer)
                for (var offset = 0; offset < segment.Length; offset += ChunkBytes)
                {
                    var part = segment.Slice(offset, Math.Min(ChunkBytes, segment.Length - offset));
                    await responseStream.WriteAsync(new ExportChunk
                    {
                        Data = ByteString.CopyFrom(part.Span),
                        RowsDone = progress.RowsDone,
                        RowsTotal = progress.RowsTotal,
                    }, cancellation);
                }
            pipe.Reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted) break;
        }
        await pipe.Reader.CompleteAsync();
        await writer;
    }

    private sealed class InlineProgress(Action<CoreProgress> report) : IProgress<CoreProgress>
    {
        public void Report(CoreProgress value) => report(value);
    }

    public override async Task<CheckpointResponse> Checkpoint(CheckpointRequest request, ServerCallContext context)
    {
        var result = await host.Store.CheckpointAsync(request.Compact, context.CancellationToken);
        return new CheckpointResponse { Token = result.Token, DurationMs = (long)result.Duration.TotalMilliseconds };
    }
}
