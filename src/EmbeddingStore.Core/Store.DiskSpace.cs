using EmbeddingStore.Core.Storage;
using Microsoft.Extensions.Logging;

namespace EmbeddingStore.Core;

/// <summary>
/// A full disk never bricks the store (<see cref="DiskSpace"/>): writes are refused with ResourceExhausted
/// before the data folder's file system is full, reads go on, and writes resume once there is room.
/// </summary>
public sealed partial class Store
{
    /// <summary>Why writes are refused now (too little free space, or a failed device write), or null when they are accepted.</summary>
    public string? WriteRefusal => _disk.WriteRefusal;

    /// <summary>The free space the store keeps in its data folder, and what it is for (logged at start); null in memory.</summary>
    public string? DiskReserve => _options.InMemory ? null : $"{_disk.Needed.WriteBytes >> 20} MiB in {_options.DataDir} ({_disk.Needed})";

    /// <summary>The guard itself (tests inject failed writes).</summary>
    internal DiskSpace DiskForTests => _disk;

    /// <summary>Logs when writes become refused and when they are accepted again (a background loop).</summary>
    private Task LogWriteRefusalChangesAsync()
    {
        var refusal = WriteRefusal;
        if ((refusal is null) != (_loggedWriteRefusal is null))
        {
            if (refusal is null) _logger.LogInformation("Writes accepted again: {MiB} MiB free in {Dir}", _disk.FreeBytes >> 20, _options.DataDir);
            else _logger.LogWarning("Reads go on; {Reason}", refusal);
        }
        _loggedWriteRefusal = refusal;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The checkpoint after a replay of the write-ahead log. On a disk too full for it the store opens without it
    /// (reads served, writes refused): the write-ahead log still holds what it would have written.
    /// </summary>
    private async Task CheckpointAfterReplayAsync(CancellationToken cancellationToken)
    {
        try { await CheckpointAsync(cancellationToken); }
        catch (StoreException e) when (e.Error == StoreError.ResourceExhausted)
        {
            _logger.LogWarning("No checkpoint after the replay: {Reason}", e.Message);
        }
    }

    /// <summary>
    /// Commits the write-ahead log for a durable write; refuses to acknowledge it when a device write failed meanwhile
    /// (FasterLog reports its own failed pages, not its commit records').
    /// </summary>
    private async ValueTask CommitDurablyAsync(CancellationToken cancellationToken)
    {
        try { await _wal.CommitAsync(cancellationToken); }
        catch (Exception e) when (e is not OperationCanceledException) { _disk.ThrowIfFaulted(); throw; }
        _disk.ThrowIfFaulted();
    }
}
