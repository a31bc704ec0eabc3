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
}
