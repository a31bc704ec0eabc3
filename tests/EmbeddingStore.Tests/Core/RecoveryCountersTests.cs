using System.Reflection;
using EmbeddingStore.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbeddingStore.Tests.Core;

/// <summary>
/// Rows created between a checkpoint's catalog record and FASTER's cut of the same checkpoint. The kill loop
/// (crash-loop.sh 10 --seed 4242, cycles 2-10) found tokens of two cycles sharing one row id after such a kill.
/// </summary>
public class RecoveryCountersTests
{
    [Fact]
    public async Task CrashCopy_RowCreatedBetweenCatalogRecordAndCheckpointCut_ItsIdIsNotHandedOutAgain()
    {
        await using var t = await TestStore.OpenAsync();
        await t.ImportAsync("g", ("a", [1f, 2f]), ("b", [3f, 4f]));
        t.Store.CreateView(new ViewSpec("v", "g", null, TrainMode.Overlay, UnknownPolicy.Create));
        await t.Store.CheckpointAsync(default); // its catalog record counts no row of v
        var first = t.Store.Resolve("v", ["x"], UnknownPolicy.Default).Ids[0];
        // What Store.CheckpointAsync does when x is created after SaveCatalogLocked and before FASTER's cut: the store's
        // checkpoint holds x's row and token, the catalog record it holds does not count x.
        var records = typeof(Store).GetField("_records", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(t.Store)!;
        await (Task<string>)records.GetType().GetMethod("CheckpointAsync")!.Invoke(records, [CancellationToken.None])!;
        // x's log entries are on disk as well: this is not about the flush window.
        await t.Store.PushAsync("v", PushKind.Delta, new long[] { first }, new float[] { 1, 1 }, false, durable: true, default);

        var copy = DurabilityTests.CopyDataDir(t.DataDir);
        try
        {
            await using var recovered = await Store.OpenAsync(t.Options with { DataDir = copy }, NullLoggerFactory.Instance, default);
            Assert.Equal(first, recovered.Resolve("v", ["x"], UnknownPolicy.Fail).Ids[0]);
            var next = recovered.Resolve("v", ["y"], UnknownPolicy.Create).Ids[0];
            Assert.NotEqual(first, next);
        }
        finally { Directory.Delete(copy, true); }
    }
}
