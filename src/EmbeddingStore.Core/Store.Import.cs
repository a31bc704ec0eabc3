using System.Diagnostics;
using System.Numerics.Tensors;
using VectorFormats;
using EmbeddingStore.Core.Storage;
using Microsoft.Extensions.Logging;

namespace EmbeddingStore.Core;

/// <summary>Importing vector files as tables, and exporting views as word2vec files.</summary>
public sealed partial class Store
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    public async Task<TableInfo> ImportAsync(string table, Stream source, VectorFormat format, string sourceName,
        long totalBytes, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        Catalog.ValidateName(table, "table");
        _disk.EnsureRoomForWrite(expectedBytes: Math.Max(0, totalBytes));
        var entry = ReserveImport(table);
        var started = Stopwatch.StartNew();
        StoreMetrics.ImportsRunning.Add(1);
        try
        {
            // Reading is synchronous and CPU-bound; keep it off the caller's thread.
            await Task.Run(() =>
            {
                ImportRows(entry, source, format, sourceName, totalBytes, progress, cancellationToken);
                // Base rows never change: written to the log's file once here, later checkpoints skip them.
                _records.FlushWrittenRecords();
            }, cancellationToken);
            CrashPoints.Reach(CrashPoint.ImportRowsWritten);
            // Base rows skip the write-ahead log: a checkpoint makes them durable before the table becomes visible.
            await CheckpointAsync(cancellationToken);
            CrashPoints.Reach(CrashPoint.ImportCheckpointed);
            lock (_catalogLock)
            {
                entry.Ready = true;
                SaveCatalogLocked();
            }
            CommitCatalog();
        }
        catch
        {
            lock (_catalogLock)
            {
                _catalog.Tables.Remove(table);
                _catalog.Retired.Add(entry.Space);
                SaveCatalogLocked();
            }
            // On a faulted disk this commit fails too; the table is gone all the same (an unfinished import is discarded
            // at the next start), and the caller hears why the import failed.
            try { CommitCatalog(); }
            catch (Exception e) when (_disk.WriteRefusal is not null) { _logger.LogWarning(e, "Removing the table of the failed import {Table} is not yet on disk", table); }
            throw;
        }
        finally { StoreMetrics.ImportsRunning.Add(-1); }
        var seconds = Math.Max(1e-9, started.Elapsed.TotalSeconds);
        _logger.LogInformation("Imported {Rows} rows of {Dim} dims from {Source} into table {Table} in {Seconds:F1} s",
            entry.Rows, entry.Dim, sourceName, table, seconds);
        return DescribeTable(table);
    }

    /// <summary>Claims the name and a space; the table stays invisible until the import finishes.</summary>
    private TableEntry ReserveImport(string table)
    {
        TableEntry entry;
        lock (_catalogLock)
        {
            if (_catalog.Tables.ContainsKey(table))
                throw new StoreException(StoreError.AlreadyExists, $"table '{table}' already exists");
            entry = new TableEntry
            {
                Name = table,
                Space = _catalog.NextSpace++,
                Dim = 0,
                CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                Ready = false,
            };
            _catalog.Tables[table] = entry;
            SaveCatalogLocked();
        }
        CommitCatalog();
        return entry;
    }

    private void ImportRows(TableEntry entry, Stream source, VectorFormat format, string sourceName, long totalBytes,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        // A text file's numbers are parsed on a thread of their own, beside the inserts on this one (parsing a text
        // row costs more than inserting it). A binary row is only copied: reading ahead would add a copy and gain nothing.
        var opened = VectorFileReader.Open(source, format, sourceName, leaveOpen: true);
        using var reader = opened.Format == VectorFormat.Word2VecBinary ? opened : new ReadAheadVectorReader(opened);
        if (reader.Dim > MaxDim)
            throw new VectorFormatException(sourceName, "header", $"dimension {reader.Dim} is larger than {MaxDim}");
        var dim = reader.Dim;
        var vector = new float[dim];
        var record = new byte[RowRecord.Length(dim, 0, MaxTokenBytes * 4)];
        var rowKey = new byte[Keys.RowKeyLength];
        var tokenKey = new byte[1 + 4 + MaxTokenBytes * 4];
        var tokenValue = new byte[TokenRecord.Length];
        var winner = new byte[TokenRecord.Length];
        double sum = 0, sumSquares = 0;
        long rows = 0, duplicates = 0, bytes = 0;
        var declared = reader.DeclaredRows ?? 0;
        var lastReport = Stopwatch.StartNew();
        long rowsCounted = 0, bytesCounted = 0;
        void CountProgress()
        {
            StoreMetrics.ImportRows.Add(rows + duplicates - rowsCounted);
            StoreMetrics.ImportBytes.Add(reader.BytesRead - bytesCounted);
            (rowsCounted, bytesCounted) = (rows + duplicates, reader.BytesRead);
        }

        while (reader.TryReadRow(out var token, vector))
        {
            var tokenBytes = System.Text.Encoding.UTF8.GetByteCount(token);
            if (tokenBytes > MaxTokenBytes)
                throw new VectorFormatException(sourceName, $"row {rows + duplicates + 1}", $"token is longer than {MaxTokenBytes} bytes");
            var id = Keys.MakeRowId(entry.Space, rows);
            var keyLength = Keys.WriteTokenKey(tokenKey, entry.Space, token);
            TokenRecord.Write(tokenValue, 0, id);
            var length = RowRecord.Length(dim, 0, tokenBytes);
            RowRecord.Write(record.AsSpan(0, length), 0, RowOrigin.Base, token, vector, 0);
            Keys.WriteRowKey(rowKey, entry.Space, id);
            // The first occurrence of a token wins, as in gensim; later ones are counted and skipped.
            if (!_rowWrites.ImportRow(tokenKey.AsSpan(0, keyLength), tokenValue, rowKey, record.AsSpan(0, length), winner))
            {
                duplicates++;
                continue;
            }
            bytes += length + keyLength + TokenRecord.Length + Keys.RowKeyLength + 32;
            // Per row in float (vectorized; a row is at most MaxDim values), across rows in double; a row whose float
            // sums overflow (finite values near float's limits) is summed again in double.
            var rowSum = TensorPrimitives.Sum<float>(vector);
            var rowSquares = TensorPrimitives.SumOfSquares<float>(vector);
            if (float.IsFinite(rowSum) && float.IsFinite(rowSquares)) (sum, sumSquares) = (sum + rowSum, sumSquares + rowSquares);
            else
                foreach (var v in vector)
                    (sum, sumSquares) = (sum + v, sumSquares + (double)v * v);
            rows++;
            // Reading the clock costs more than a row's parsing: look at it (and at cancellation) once per 1,024 rows.
            if ((rows & 1023) != 0) continue;
            cancellationToken.ThrowIfCancellationRequested();
            _disk.EnsureRoomForWrite();
            if (lastReport.Elapsed >= ProgressInterval)
            {
                progress?.Report(new ImportProgress(rows, declared, reader.BytesRead, totalBytes));
                CountProgress();
                lastReport.Restart();
            }
        }
        var count = Math.Max(1.0, (double)rows * dim);
        var mean = sum / count;
        var variance = Math.Max(0, sumSquares / count - mean * mean);
        // New rows are drawn at the table's scale: a scale that float cannot hold would make every one of them NaN.
        if (!float.IsFinite((float)Math.Sqrt(3 * variance)))
            throw new VectorFormatException(sourceName, $"{rows} rows",
                $"the values are too large for a table: their variance {variance:G3} gives new rows a scale beyond float's range");
        lock (_catalogLock)
        {
            entry.Rows = rows;
            entry.StoredBytes = bytes;
            entry.Source = sourceName;
            entry.VarianceMatchedA = rows == 0 ? FallbackUniformA : (float)Math.Sqrt(3 * variance);
            entry.StdDev = rows == 0 ? FallbackUniformA / MathF.Sqrt(3) : (float)Math.Sqrt(variance);
            entry.Dim = dim;
        }
        if (duplicates > 0)
            _logger.LogWarning("{Source}: {Duplicates} repeated tokens skipped (the first occurrence of each was kept)", sourceName, duplicates);
        CountProgress();
        progress?.Report(new ImportProgress(rows, declared, reader.BytesRead, totalBytes));
    }

    public async Task ExportAsync(string view, Stream destination, bool binary, IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var chain = Chain(view);
        await Task.Run(() => ExportRows(chain, destination, binary, progress, cancellationToken), cancellationToken);
    }

    private void ExportRows(ViewChain chain, Stream destination, bool binary, IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var ids = ExportedIds(chain);
        // A word2vec file declares at least one row; an empty view (over an empty table) has nothing to write.
        if (ids.Count == 0) throw new StoreException(StoreError.FailedPrecondition, $"view '{chain.View.Name}' reads no rows: there is nothing to export");
        var dim = chain.Dim;
        var vector = new float[dim];
        var scratch = new byte[ViewRecords.RecordCapacity(chain)];
        var lastReport = Stopwatch.StartNew();
        var writer = VectorFileWriter.Create(destination, binary, ids.Count, dim, leaveOpen: true);
        try
        {
            for (var i = 0; i < ids.Count; i++)
            {
                if ((i & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (_viewRecords.Read(chain, ids[i], scratch) is ViewRecords.NotReadable or ViewRecords.PadPosition)
                    throw new StoreException(StoreError.Aborted,
                        $"view '{chain.View.Name}' changed during the export (row {ids[i]} is gone: the view or its row was deleted); export again");
                var token = RowRecord.Token(scratch);
                if (CreatableTokenProblem(token) is not null)
                    throw new StoreException(StoreError.FailedPrecondition,
                        $"view '{chain.View.Name}' reads token '{token}' (row {ids[i]}), which holds whitespace or a control character: a word2vec file cannot hold it");
                writer.WriteRow(token, RowRecord.Vector((ReadOnlySpan<byte>)scratch));
                if (progress is not null && lastReport.Elapsed >= ProgressInterval)
                {
                    progress.Report(new ImportProgress(i + 1, ids.Count, 0, 0));
                    lastReport.Restart();
                }
            }
        }
        catch
        {
            // The writer refuses to close short of its declared rows; that complaint must not hide why it stopped.
            try { writer.Dispose(); }
            catch (InvalidOperationException) { }
            throw;
        }
        writer.Dispose();
        progress?.Report(new ImportProgress(ids.Count, ids.Count, 0, 0));
    }

    /// <summary>Every row the view reads, base rows first, then each view's own rows from the table up.</summary>
    private List<long> ExportedIds(ViewChain chain)
    {
        var ids = new List<long>();
        for (long i = 0; i < chain.Table.Rows; i++) ids.Add(Keys.MakeRowId(chain.Table.Space, i));
        var scratch = new byte[ViewRecords.RecordCapacity(chain)];
        Span<byte> key = stackalloc byte[Keys.RowKeyLength];
        List<ViewEntry> views;
        lock (_catalogLock)
        {
            // A view of the chain deleted since the export began is gone from the catalog (found by the fuzzer: INTERNAL).
            views = chain.Spaces[..^1].Select(s => _catalog.Views.Values.FirstOrDefault(v => v.Space == s)
                ?? throw new StoreException(StoreError.Aborted, $"view '{chain.View.Name}' or one it is layered over was deleted during the export"))
                .Reverse().ToList();
        }
        foreach (var view in views)
        {
            var next = Interlocked.Read(ref view.NextLocal);
            for (long local = 0; local < next; local++)
            {
                var id = Keys.MakeRowId(view.Space, local);
                Keys.WriteRowKey(key, view.Space, id);
                // Ids whose creation lost a race were removed; skip them.
                if (_records.Read(key, scratch) >= 0) ids.Add(id);
            }
        }
        return ids;
    }
}
