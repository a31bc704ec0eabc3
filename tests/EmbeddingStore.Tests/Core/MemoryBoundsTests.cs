using EmbeddingStore.Core;

namespace EmbeddingStore.Tests.Core;

/// <summary>In-memory structures a caller can grow, each with its bound (docs/limits.md, "Memory a caller can grow").</summary>
public class MemoryBoundsTests
{
    [Fact]
    public async Task RecentPushes_AnswerWithManyRejectedRows_RemembersTheFirst16()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        await t.ImportAsync("g", [.. Enumerable.Range(0, 1_000).Select(i => ($"w{i}", new float[] { i, 1 }))]);
        t.Store.CreateView(new ViewSpec("frozen", "g", null, TrainMode.Static));
        var ids = t.Store.Resolve("frozen", [.. Enumerable.Range(0, 1_000).Select(i => $"w{i}")], UnknownPolicy.Default).Ids;
        var requestId = Guid.NewGuid().ToByteArray();

        var first = await t.Store.PushAsync("frozen", PushKind.Delta, ids, new float[2 * ids.Length], reportFrozen: true, false, default, requestId: requestId);
        Assert.Equal(1_000, first.Rejected.Count);
        var replayed = await t.Store.PushAsync("frozen", PushKind.Delta, ids, new float[2 * ids.Length], reportFrozen: true, false, default, requestId: requestId);
        Assert.True(replayed.Replayed);
        Assert.Equal(0, replayed.Applied);
        Assert.Equal(first.Rejected.Take(RecentPushes.MaxRememberedRejections), replayed.Rejected);
    }

    [Fact]
    public void EvictionLog_LongTokens_BoundedInCharacters_AndSaysWhatItForgot()
    {
        var log = new EvictionLog(capacity: 1 << 20);
        var token = new string('x', 1_000);
        for (var i = 1; i <= 40_000; i++) log.Add(i, token + i, version: i);
        Assert.InRange(log.Chars, 1, EvictionLog.MaxChars);
        Assert.True(log.ForgotAfter(100));
        Assert.True(log.TryGetEvictedAfter(40_000, 39_999, out var newest));
        Assert.Equal(token + 40_000, newest);
        Assert.False(log.TryGetEvictedAfter(1, 0, out _));
        Assert.False(log.ForgotAfter(39_999));
    }

    [Fact]
    public async Task ViewGates_OfDeletedViews_Forgotten()
    {
        await using var t = await TestStore.OpenAsync(inMemory: true);
        await t.ImportAsync("g", ("a", [1f, 0f]));
        for (var i = 0; i < 20; i++)
        {
            t.Store.CreateView(new ViewSpec($"v{i}", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
            t.Store.Resolve($"v{i}", ["@new"], UnknownPolicy.Default);
            t.Store.DeleteView($"v{i}");
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (t.Store.ViewGatesForTests > 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(0, t.Store.ViewGatesForTests);
    }
}
