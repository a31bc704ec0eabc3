using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace EmbeddingStore.Core.Storage;

/// <summary>
/// A FASTER log device (one file per segment, <c>name.0</c>, <c>name.1</c>...) whose aligned writes and reads go
/// straight between FASTER's buffers and the disk, without the page cache (Linux <c>O_DIRECT</c>), and are durable
/// when they complete (<c>O_DSYNC</c>). FASTER's own device asks .NET for unbuffered, write-through files, but .NET
/// has no unbuffered mode on Linux, so every byte of the write-ahead log and the store's log was copied into the
/// page cache by the writing thread and then written back under <c>O_SYNC</c>: about 1 ms of CPU per MB here, which
/// made the write-ahead log most of a push's cost (docs/benchmarks.md). Unaligned requests, and files on file
/// systems that refuse direct I/O, go through a buffered, synchronous handle instead; Linux keeps the two
/// views of a file coherent. Requests block a thread of <see cref="DeviceIoThreads"/> (not the thread pool's) and
/// report through FASTER's callback, as FASTER's own device does.
/// </summary>
internal sealed partial class DirectFileDevice : StorageDeviceBase
{
    /// <summary>Buffers, offsets and lengths aligned to this go direct; FASTER aligns its own to the device's sector size.</summary>
    public const uint Alignment = 4096;

    private sealed class Segment(SafeFileHandle buffered, SafeFileHandle? direct) : IDisposable
    {
        public SafeFileHandle Buffered { get; } = buffered;
        public SafeFileHandle? Direct { get; } = direct;

        public void Dispose()
        {
            Buffered.Dispose();
            Direct?.Dispose();
        }
    }

    private readonly ConcurrentDictionary<int, Lazy<Segment>> _segments = new();
    private readonly int _directFlag;
    private readonly DiskSpace? _disk;

    /// <summary>Whether an open segment has a direct handle (false on file systems that refuse direct I/O).</summary>
    public bool DirectIo => _segments.Values.Any(open => open.IsValueCreated && open.Value.Direct is not null);

    /// <summary>Whether this device's requests go before other devices' (<see cref="DeviceIoThreads.Run"/>): the write-ahead log's.</summary>
    private readonly bool _urgent;

    private DirectFileDevice(string filename, int directFlag, bool recover, DiskSpace? disk, bool urgent = false) : base(filename, Alignment, -1)
    {
        _directFlag = directFlag;
        _disk = disk;
        _urgent = urgent;
        ThrottleLimit = 120;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filename))!);
        if (recover) RecoverSegmentRange();
    }

    /// <summary>
    /// A device for the log file <paramref name="filename"/>: this one on Linux (x64, arm64), FASTER's own elsewhere.
    /// <paramref name="recover"/> finds the segments an earlier run left, so FASTER can recover from them.
    /// <paramref name="disk"/> counts the bytes written and hears of every failed write (FASTER 2.6.5 logs it and goes
    /// on: a failed page write stalls its log, a failed checkpoint metadata write goes unnoticed). An
    /// <paramref name="urgent"/> device's requests start before every queued request of the others.
    /// </summary>
    public static IDevice Create(string filename, bool recover, DiskSpace? disk = null, bool urgent = false)
    {
        var flag = OperatingSystem.IsLinux() ? DirectFlagFor(RuntimeInformation.ProcessArchitecture) : 0;
        return flag == 0
            ? Devices.CreateLogDevice(filename, recoverDevice: recover)
            : new DirectFileDevice(filename, flag, recover, disk, urgent);
    }

    /// <summary>One that never opens a direct handle, as on a file system without direct I/O (tests).</summary>
    internal static DirectFileDevice WithoutDirectIoForTests(string filename) => new(filename, directFlag: 0, recover: false, disk: null);

    /// <summary>Linux's O_DIRECT differs between architectures; 0 where it is not known here.</summary>
    private static int DirectFlagFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => 0,
    };

    private const int OpenReadWrite = 0x2, OpenCreate = 0x40, OpenDataSync = 0x1000, OpenCloseOnExec = 0x80000;
    private const int ReadWriteForOwnerReadForOthers = 0x1A4; // 0644

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenFile(string path, int flags, int mode);

    private Segment SegmentFor(int id) => _segments.GetOrAdd(id, i => new Lazy<Segment>(() => OpenSegment(i))).Value;

    private Segment OpenSegment(int id)
    {
        var path = GetSegmentFilename(FileName, id);
        var isNew = !File.Exists(path);
        var buffered = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.WriteThrough);
        var fd = _directFlag == 0 ? -1 : OpenFile(path, OpenReadWrite | OpenCreate | OpenDataSync | OpenCloseOnExec | _directFlag,
            ReadWriteForOwnerReadForOthers);
        // O_DSYNC makes a file's writes durable, not its name: a new file's directory entry is synced before the file is
        // written to, so that a power cut cannot leave a checkpoint or segment whose data was acknowledged without a name.
        // (And the folder's own entry: checkpoints get a new folder each.)
        if (isNew)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            SyncDirectory(folder);
            SyncDirectory(Path.GetDirectoryName(folder)!);
        }
        return new Segment(buffered, fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : null);
    }

    private const int OpenReadOnly = 0x0;

    /// <summary>Linux's O_DIRECTORY, which arm64 swaps with O_DIRECT.</summary>
    private static int OpenDirectory => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FileSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFile(int fd);

    /// <summary>fsync of a directory: makes the names created in it durable (Linux).</summary>
    internal static void SyncDirectory(string directory)
    {
        var fd = OpenFile(directory, OpenReadOnly | OpenDirectory | OpenCloseOnExec, 0);
        if (fd < 0) throw new IOException($"cannot open directory {directory} to sync it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (FileSync(fd) != 0) throw new IOException($"fsync of directory {directory} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally { CloseFile(fd); }
    }

    /// <summary>
    /// Runs <paramref name="io"/> on the direct handle when the request is aligned, else (or when the direct request
    /// fails, as on a device that wants a larger alignment) on the buffered one.
    /// </summary>
    private uint Transfer(int segmentId, nint buffer, ulong offset, uint length, Func<SafeFileHandle, uint> io)
    {
        var segment = SegmentFor(segmentId);
        if (segment.Direct is { } direct && ((ulong)buffer | offset | length) % Alignment == 0)
        {
            try { return io(direct); }
            catch (IOException) { }
        }
        return io(segment.Buffered);
    }

    public override unsafe void WriteAsync(nint sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite,
        DeviceIOCompletionCallback callback, object context) =>
        Run(() =>
        {
            try
            {
                if (_disk is { FailWritesForTests: true }) throw new IOException("No space left on device (simulated)", NoSpaceLeft);
                // A simulated power cut (tests): the write never reaches the file, and never completes.
                while (CrashPoints.PowerIsCut) Thread.Sleep(Timeout.Infinite);
                var written = Transfer(segmentId, sourceAddress, destinationAddress, numBytesToWrite, handle =>
                {
                    RandomAccess.Write(handle, new ReadOnlySpan<byte>((void*)sourceAddress, (int)numBytesToWrite), (long)destinationAddress);
                    return numBytesToWrite;
                });
                _disk?.NoteWritten(written);
                return written;
            }
            catch (Exception e)
            {
                _disk?.ReportWriteFailure(GetSegmentFilename(FileName, segmentId), e);
                throw;
            }
        }, callback, context);

    /// <summary>ENOSPC, the error code .NET gives an <see cref="IOException"/> for a full disk on Linux.</summary>
    private const int NoSpaceLeft = 28;

    public override unsafe void ReadAsync(int segmentId, ulong sourceAddress, nint destinationAddress, uint readLength,
        DeviceIOCompletionCallback callback, object context) =>
        Run(() => Transfer(segmentId, destinationAddress, sourceAddress, readLength, handle =>
            (uint)RandomAccess.Read(handle, new Span<byte>((void*)destinationAddress, (int)readLength), (long)sourceAddress)),
            callback, context);

    /// <summary>Runs one request on a <see cref="DeviceIoThreads"/> thread and reports it to FASTER: the bytes moved, or an error code.</summary>
    private void Run(Func<uint> io, DeviceIOCompletionCallback callback, object context) =>
        DeviceIoThreads.Run(() =>
        {
            uint error = 0, bytes = 0;
            try { bytes = io(); }
            catch (Exception e) { error = Math.Max(1u, (uint)e.HResult & 0xFFFF); }
            callback(error, bytes, context);
        }, _urgent);

    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        RemoveSegment(segment);
        callback(result);
    }

    public override void RemoveSegment(int segment)
    {
        if (_segments.TryRemove(segment, out var open) && open.IsValueCreated) open.Value.Dispose();
        try { File.Delete(GetSegmentFilename(FileName, segment)); }
        catch (IOException) { } // as FASTER's own device: a segment that cannot be deleted now is left behind
    }

    /// <summary>
    /// Deletes every segment file wholly before <paramref name="toAddress"/>, now. FASTER's own truncation defers the
    /// deletion to an epoch bump and skips segments below a start it has already raised: after a restart the files of a
    /// compacted log stayed on disk (CompactionTests).
    /// </summary>
    public override void TruncateUntilAddress(long toAddress)
    {
        var toSegment = (int)(toAddress / segmentSize);
        Utility.MonotonicUpdate(ref startSegment, toSegment, out _);
        foreach (var id in SegmentIdsOnDisk().Where(id => id < toSegment)) RemoveSegment(id);
    }

    public override long GetFileSize(int segment) =>
        segmentSize > 0 ? segmentSize : RandomAccess.GetLength(SegmentFor(segment).Buffered);

    /// <summary>The range of segment files present (FASTER's own device does the same when asked to recover).</summary>
    private void RecoverSegmentRange()
    {
        var ids = SegmentIdsOnDisk();
        var previous = -1;
        foreach (var id in ids)
        {
            if (id != previous + 1) startSegment = id;
            else endSegment = id;
            previous = id;
        }
    }

    /// <summary>The ids of this log's segment files in its folder, in order.</summary>
    private List<int> SegmentIdsOnDisk()
    {
        var file = new FileInfo(FileName);
        if (file.Directory is not { Exists: true } directory) return [];
        return directory.GetFiles(file.Name + ".*")
            .Select(f => int.TryParse(f.Name[(file.Name.Length + 1)..], out var id) ? id : -1)
            .Where(id => id >= 0)
            .Order()
            .ToList();
    }

    public override void Dispose()
    {
        foreach (var open in _segments.Values)
            if (open.IsValueCreated) open.Value.Dispose();
        _segments.Clear();
    }
}

/// <summary>
/// FASTER's checkpoint files (hash index, log snapshots, their metadata) on <see cref="DirectFileDevice"/>s: a snapshot
/// copies up to the log's whole memory, which FASTER's own device would copy through the page cache as well.
/// Listing and deleting are FASTER's own.
/// </summary>
internal sealed class DirectDeviceFactory(DiskSpace disk, bool urgent = false) : INamedDeviceFactory
{
    private readonly LocalStorageNamedDeviceFactory _files = new();
    private string _baseName = "";

    public void Initialize(string baseName)
    {
        _baseName = baseName;
        _files.Initialize(baseName);
    }

    public IDevice Get(FileDescriptor fileInfo) =>
        DirectFileDevice.Create(Path.Combine(_baseName, fileInfo.directoryName, fileInfo.fileName), recover: false, disk, urgent);

    public void Delete(FileDescriptor fileInfo) => _files.Delete(fileInfo);

    public IEnumerable<FileDescriptor> ListContents(string path) => _files.ListContents(path);
}
