using StoreFuzz;
using Xunit.Abstractions;

namespace EndToEnd.Tests.Store;

/// <summary>
/// A short run of the fuzzer (benchmarks/fuzz.sh, whose code this project compiles): random, extreme, mutated and
/// garbage requests of every RPC against the real store process. Every call must end with a documented status (never
/// INTERNAL or UNKNOWN), the server must keep serving, and no sentinel row may change.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TenThousandRandomCalls_DocumentedStatusesOnly_SentinelRowsUntouched()
    {
        var log = new List<string>();
        var report = await FuzzRunner.RunAsync(new FuzzOptions { Calls = 10_000, BatchCalls = 2_500, Seed = 24, Concurrency = 8, Log = log.Add });
        var markdown = report.ToMarkdown();
        output.WriteLine(string.Join('\n', log) + "\n" + markdown);
        Assert.Equal(10_000, report.Calls);
        // Every RPC was called, and the mix reached past parsing: some calls of each kind were accepted or refused by the store.
        Assert.True(report.Statuses.Keys.Select(k => k.Method).Distinct().Count() >= 20, markdown);
        Assert.Contains(report.Statuses, s => s.Key.Method == "Rows.Push" && s.Key.Status == Grpc.Core.StatusCode.OK);
        Assert.True(report.Passed, markdown);
    }
}
