using FASTER.core;

namespace EmbeddingStore.Core.Storage;

/// <summary>
/// The store's checkpoints in the data folder's <c>checkpoints</c> folder, on <see cref="DirectFileDevice"/>s. A
/// checkpoint replaces the previous one only once it is complete: FASTER's own manager deletes the previous one as
/// soon as the new metadata is written, and FASTER 2.6.5 takes a metadata or snapshot write that failed (a full disk)
/// for done, so a failed checkpoint left the store without one ("Unable to find valid HybridLog token"). Here a
/// checkpoint during which a device write failed is deleted and reported; the previous one stays in force.
/// </summary>
internal sealed class CheckpointFiles : IDisposable
{
    private readonly DirectDeviceFactory _files;
    private readonly DefaultCheckpointNamingScheme _naming;
    private readonly DiskSpace _disk;
    private readonly DeviceLogCommitCheckpointManager _manager;

    private static readonly TimeSpan FaultPollInterval = TimeSpan.FromMilliseconds(100);

    public CheckpointFiles(string dir, DiskSpace disk)
    {
        _disk = disk;
        _files = new DirectDeviceFactory(disk);
        _naming = new DefaultCheckpointNamingScheme(Path.GetFullPath(dir));
        _manager = new DeviceLogCommitCheckpointManager(_files, _naming, removeOutdated: false);
    }

    /// <summary>What FASTER writes and reads the checkpoints through.</summary>
    public ICheckpointManager Manager => _manager;

    /// <summary>
    /// Runs <paramref name="checkpoint"/>; once it is complete, deletes the checkpoints it replaces: every other log
    /// checkpoint, and after a <paramref name="full"/> one every other index checkpoint (a log-only checkpoint is
    /// recovered with the last index checkpoint).
    /// </summary>
    /// <exception cref="StoreException">ResourceExhausted, when a device write failed while it ran (it is deleted).</exception>
    public async Task<Guid> TakeAsync(Func<ValueTask<(bool Ok, Guid Token)>> checkpoint, bool full)
    {
        var faults = _disk.Faults;
        var running = checkpoint().AsTask();
        // A fold-over checkpoint whose log write failed waits for that write forever (FASTER 2.6.5 does not retry it):
        // once a write has failed, the store is refused writes until a restart, and the checkpoint is given up.
        while (await Task.WhenAny(running, Task.Delay(FaultPollInterval)) != running)
            if (_disk.Faults != faults) _disk.ThrowIfFaulted();
        var (ok, token) = await running;
        if (!ok) throw new InvalidOperationException("FASTER refused the checkpoint: another one is in progress");
        if (_disk.Faults != faults)
        {
            Delete(token, index: full);
            _disk.ThrowIfFaulted();
        }
        foreach (var older in _manager.GetLogCheckpointTokens().Where(t => t != token).ToList())
            _files.Delete(_naming.LogCheckpointBase(older));
        if (full)
            foreach (var older in _manager.GetIndexCheckpointTokens().Where(t => t != token).ToList())
                _files.Delete(_naming.IndexCheckpointBase(older));
        return token;
    }

    private void Delete(Guid token, bool index)
    {
        _files.Delete(_naming.LogCheckpointBase(token));
        if (index) _files.Delete(_naming.IndexCheckpointBase(token));
    }

    public void Dispose() => _manager.Dispose();
}
