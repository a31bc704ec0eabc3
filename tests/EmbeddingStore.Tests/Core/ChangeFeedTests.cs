using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

public class ChangeFeedTests
{
    private long _version;

    private ChangeFeed NewFeed(int capacity) => new(capacity, () => Interlocked.Read(ref _version));

    [Fact]
    public void Watermark_UnfinishedWrite_StaysBelowItsVersionUntilItEnds()
    {
        var feed = NewFeed(8);
        var slow = feed.BeginWrite();
        var slowVersion = ++_version;
        var fast = feed.BeginWrite();
        var fastVersion = ++_version;
        feed.EndWrite(fast, [new ChangeFeed.Change(1, 10, fastVersion)]);
        Assert.Equal(0, feed.Position().Watermark);
        feed.EndWrite(slow, [new ChangeFeed.Change(1, 11, slowVersion)]);
        Assert.Equal((2L, 2L), feed.Position());
    }

    [Fact]
    public void Read_PositionOverwritten_MinusOneAndOnlyNewerVersionsHeld()
    {
        var feed = NewFeed(4);
        for (var i = 0; i < 6; i++)
        {
            var ticket = feed.BeginWrite();
            feed.EndWrite(ticket, [new ChangeFeed.Change(1, i, ++_version)]);
        }
        var buffer = new ChangeFeed.Change[8];
        Assert.Equal(-1, feed.Read(1, 6, buffer));
        Assert.Equal(2, feed.Oldest);
        Assert.Equal(4, feed.Read(2, 6, buffer));
        Assert.Equal([3L, 4, 5, 6], buffer[..4].Select(c => c.Version));
        Assert.False(feed.HoldsChangesAfter(1));
        Assert.True(feed.HoldsChangesAfter(2));
    }

    [Fact]
    public async Task WaitAsync_ChangeAppended_Completes()
    {
        var feed = NewFeed(4);
        var waiting = feed.WaitAsync(0, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        var ticket = feed.BeginWrite();
        feed.EndWrite(ticket, [new ChangeFeed.Change(1, 1, ++_version)]);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(feed.WaitAsync(0, CancellationToken.None).IsCompleted);
    }
}
