using EmbeddingStore.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

public class SnapshotTests
{
    private static readonly (string, float[])[] Table = [("the", [0.1f, 0.2f]), ("good", [1f, 0f]), ("bad", [-1f, 0.5f])];

    private static float[] Read(Store store, string view, params string[] tokens)
    {
        var ids = store.Resolve(view, tokens, UnknownPolicy.Fail).Ids;
        var vectors = new float[ids.Length * store.DimOf(view)];
        store.Pull(view, ids, vectors, new RowMeta[ids.Length]);
        return vectors;
    }

    private static async Task<TestStore> TrainedViewAsync(bool inMemory)
    {
        var t = await TestStore.OpenAsync(inMemory);
        await t.ImportAsync("g", Table);
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.FineTune, UnknownPolicy.Create, InitKind.Zeros));
        var ids = t.Store.Resolve("v", ["good", "@user"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 1, 1, 2, 2 }, false, false, CancellationToken.None);
        return t;
    }

    [Fact]
    public async Task Snapshot_TrainingGoesOn_SnapshotKeepsValuesAtItsVersion()
    {
        await using var t = await TrainedViewAsync(inMemory: true);
        var before = Read(t.Store, "v", "good", "@user", "the");
        var info = await t.Store.CreateSnapshotAsync("v", "v-at-1", CancellationToken.None);
        Assert.Equal("v", info.SnapshotOf);
        Assert.InRange(info.SnapshotVersion, 1, t.Store.Version);
        Assert.Equal(TrainMode.Static, info.Mode);
        Assert.Equal((1L, 1L), (info.OwnRows, info.CopiedRows));

        var ids = t.Store.Resolve("v", ["good", "@user"], UnknownPolicy.Default).Ids;
        await t.Store.PushAsync("v", PushKind.Delta, ids, new float[] { 5, 5, 5, 5 }, false, false, CancellationToken.None);
        Assert.Equal(before, Read(t.Store, "v-at-1", "good", "@user", "the"));
        Assert.NotEqual(before, Read(t.Store, "v", "good", "@user", "the"));
        Assert.Equal(ids[0], t.Store.Resolve("v-at-1", ["good"], UnknownPolicy.Fail).Ids[0]);
    }

    [Fact]
    public async Task ViewFromSnapshot_StartsFromSnapshotValues_SnapshotCannotCreateRows()
    {
        await using var t = await TrainedViewAsync(inMemory: true);
        await t.Store.CreateSnapshotAsync("v", "s", CancellationToken.None);
        t.Store.CreateView(new ViewSpec("rollback", null, "s", TrainMode.FineTune, UnknownPolicy.Fail));
        Assert.Equal(Read(t.Store, "s", "good", "@user"), Read(t.Store, "rollback", "good", "@user"));
        var id = t.Store.Resolve("rollback", ["@user"], UnknownPolicy.Fail).Ids[0];
        await t.Store.PushAsync("rollback", PushKind.Delta, new[] { id }, new float[] { 1, 1 }, false, false, CancellationToken.None);
        Assert.Equal([3f, 3f], Read(t.Store, "rollback", "@user"));
        Assert.Equal([2f, 2f], Read(t.Store, "s", "@user"));

        var refused = Assert.Throws<StoreException>(() => t.Store.Resolve("s", ["new-word"], UnknownPolicy.Create));
        Assert.Equal(StoreError.FailedPrecondition, refused.Error);
        var taken = await Assert.ThrowsAsync<StoreException>(() => t.Store.CreateSnapshotAsync("v", "s", CancellationToken.None));
        Assert.Equal(StoreError.AlreadyExists, taken.Error);
    }

    [Fact]
    public async Task Snapshot_SurvivesRestart()
    {
        await using var t = await TrainedViewAsync(inMemory: false);
        var info = await t.Store.CreateSnapshotAsync("v", "s", CancellationToken.None);
        var before = Read(t.Store, "s", "good", "@user");
        await t.ReopenAsync();
        Assert.Equal(before, Read(t.Store, "s", "good", "@user"));
        var again = t.Store.DescribeView("s");
        Assert.Equal((info.SnapshotOf, info.SnapshotVersion, info.OwnRows), (again.SnapshotOf, again.SnapshotVersion, again.OwnRows));
    }

    [Fact]
    public async Task CrashCopy_SnapshotSinceLastCheckpoint_RecoveredFromTheLog()
    {
        await using var t = await TrainedViewAsync(inMemory: false);
        await t.Store.CheckpointAsync(CancellationToken.None);
        await t.Store.CreateSnapshotAsync("v", "s", CancellationToken.None);
        var before = Read(t.Store, "s", "good", "@user");
        var copy = DurabilityTests.CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal(before, Read(recovered, "s", "good", "@user"));
            var info = recovered.DescribeView("s");
            Assert.Equal(("v", 1L, 1L), (info.SnapshotOf, info.OwnRows, info.CopiedRows));
        }
        finally { Directory.Delete(copy, true); }
    }
}
