using System.Runtime.InteropServices;
using EmbeddingStore.Core.Storage;
using FASTER.core;

namespace EmbeddingStore.Tests.Core;

/// <summary>The log device that bypasses the page cache: what it writes is what it reads back and what the file holds.</summary>
public sealed unsafe class DirectFileDeviceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "embstore-device-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static uint Write(IDevice device, byte* buffer, int segment, ulong offset, uint length)
    {
        var done = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.WriteAsync((nint)buffer, segment, offset, length, (error, bytes, _) =>
        {
            if (error != 0) done.SetException(new IOException($"write error {error}"));
            else done.SetResult(bytes);
        }, null);
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    private static uint Read(IDevice device, byte* buffer, int segment, ulong offset, uint length)
    {
        var done = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ReadAsync(segment, offset, (nint)buffer, length, (error, bytes, _) =>
        {
            if (error != 0) done.SetException(new IOException($"read error {error}"));
            else done.SetResult(bytes);
        }, null);
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    /// <summary>Writes 8 KB at an aligned and 100 bytes at an unaligned place, reads both back, and checks the file.</summary>
    private static void WriteAndReadBack(IDevice device, string file)
    {
        device.Initialize(-1);
        const int size = 8192;
        var buffer = (byte*)NativeMemory.AlignedAlloc(size, DirectFileDevice.Alignment);
        var back = (byte*)NativeMemory.AlignedAlloc(size, DirectFileDevice.Alignment);
        try
        {
            var data = new Span<byte>(buffer, size);
            for (var i = 0; i < size; i++) data[i] = (byte)(i * 7);
            Assert.Equal((uint)size, Write(device, buffer, 0, 4096, size));            // aligned: direct
            Assert.Equal(100u, Write(device, buffer + 3, 0, 20_000 + 5, 100));       // unaligned: buffered
            Assert.Equal((uint)size, Read(device, back, 0, 4096, size));
            Assert.True(new Span<byte>(back, size).SequenceEqual(data));
            Assert.Equal(100u, Read(device, back, 0, 20_005, 100));
            Assert.True(new Span<byte>(back, 100).SequenceEqual(data.Slice(3, 100)));

            var onDisk = File.ReadAllBytes(file + ".0");
            Assert.Equal(20_105, onDisk.Length);
            Assert.True(onDisk.AsSpan(4096, size).SequenceEqual(data));
            Assert.True(onDisk.AsSpan(20_005, 100).SequenceEqual(data.Slice(3, 100)));
            Assert.Equal(20_105, device.GetFileSize(0));
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
            NativeMemory.AlignedFree(back);
        }
    }

    [Fact]
    public void AlignedAndUnalignedWrites_ReadBackAndOnDiskAsWritten()
    {
        var file = Path.Combine(_dir, "log");
        using var device = DirectFileDevice.Create(file, recover: false);
        WriteAndReadBack(device, file);
        if (OperatingSystem.IsLinux()) Assert.True(((DirectFileDevice)device).DirectIo, "no direct handle was opened");
    }

    [Fact]
    public void WithoutDirectIo_SameResultsThroughTheBufferedFile()
    {
        // As on a file system that refuses O_DIRECT: every request goes through the buffered handle.
        var file = Path.Combine(_dir, "log");
        using var device = DirectFileDevice.WithoutDirectIoForTests(file);
        WriteAndReadBack(device, file);
        Assert.False(device.DirectIo);
    }

    [Fact]
    public void Recover_FindsTheSegmentsAnEarlierRunLeft_AndRemoveSegmentDeletesOne()
    {
        Directory.CreateDirectory(_dir);
        var file = Path.Combine(_dir, "log");
        foreach (var id in new[] { 2, 3, 4 }) File.WriteAllBytes($"{file}.{id}", [1]);
        using var device = DirectFileDevice.Create(file, recover: true);
        Assert.Equal(2, device.StartSegment);
        Assert.Equal(4, device.EndSegment);
        device.RemoveSegment(2);
        Assert.False(File.Exists(file + ".2"));
        Assert.True(File.Exists(file + ".3"));
    }
}
