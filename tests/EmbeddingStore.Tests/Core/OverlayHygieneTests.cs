using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

public class OverlayHygieneTests
{
    [Fact]
    public void PendingTokens_AtCapacity_ForgetsTheLeastSeenAndKeepsFrequentOnes()
    {
        var pending = new PendingTokens(capacity: 8);
        for (var i = 0; i < 3; i++) Assert.False(pending.See("frequent", minCount: 10));
        for (var i = 0; i < 100; i++) Assert.False(pending.See($"once-{i}", minCount: 10));
        Assert.InRange(pending.Count, 1, 8);
        // "frequent" kept its three sightings: seven more make ten.
        for (var i = 0; i < 6; i++) Assert.False(pending.See("frequent", minCount: 10));
        Assert.True(pending.See("frequent", minCount: 10));
    }

    [Fact]
    public void PendingTokens_LongTokens_BoundedInCharacters()
    {
        // 100,000 one-off tokens of 1,000 characters (the longest a request may send) would be 200 MB of UTF-16.
        var pending = new PendingTokens(PendingTokens.DefaultCapacity);
        for (var i = 0; i < 100_000; i++) Assert.False(pending.See(i.ToString("D8") + new string('x', 992), minCount: 5));
        Assert.InRange(pending.Chars, 1, PendingTokens.DefaultCharCapacity);
        Assert.InRange(pending.Count, 1, PendingTokens.DefaultCharCapacity / 1_000);
        // Frequent short tokens are still counted.
        for (var i = 0; i < 4; i++) Assert.False(pending.See("short", minCount: 5));
        Assert.True(pending.See("short", minCount: 5));
    }

    [Fact]
    public void PendingTokens_ReachingMinCount_StopsBeingPending()
    {
        var pending = new PendingTokens(capacity: 100);
        Assert.False(pending.See("a", 2));
        Assert.Equal(1, pending.Count);
        Assert.True(pending.See("a", 2));
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public void RowUseTracker_UsedAfterListing_IsNotClaimed()
    {
        var tracker = new RowUseTracker([1, 2], now: 0);
        var unused = tracker.UnusedSince(cutoff: 10);
        Assert.Equal(2, unused.Count);
        tracker.Touch(1, now: 20);
        Assert.False(tracker.TryClaim(unused.Single(p => p.Key == 1)));
        Assert.True(tracker.TryClaim(unused.Single(p => p.Key == 2)));
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public async Task CreateView_NegativeHygieneOptions_InvalidArgument()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        t.Store.CreateTable("g", 2);
        var minCount = Assert.Throws<StoreException>(() => t.Store.CreateView(new ViewSpec("v", "g", null) { MinCount = -1 }));
        Assert.Equal(StoreError.InvalidArgument, minCount.Error);
        var evict = Assert.Throws<StoreException>(() => t.Store.CreateView(new ViewSpec("v", "g", null) { EvictUnusedAfterMs = -5 }));
        Assert.Equal(StoreError.InvalidArgument, evict.Error);
    }
}
