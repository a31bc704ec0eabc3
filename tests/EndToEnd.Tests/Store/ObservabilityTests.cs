using System.Text.Json;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Grpc.Core;

namespace EndToEnd.Tests.Store;

/// <summary>The Prometheus endpoint and JSON logs of the real store process, read the way a scraper and a log shipper read them.</summary>
public class ObservabilityTests
{
    [Fact]
    public async Task MetricsEndpoint_CountsCallsPerMethodAndStatus_RowsCheckpointsAndNeighbourCache_LogsAreJson()
    {
        var metricsPort = ServerProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(null, null, null, "--metrics-port", metricsPort.ToString(), "--log-format", "json");
        try
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            await client.CreateTableAsync("t", 4);
            await client.CreateViewAsync(new CreateViewRequest { Name = "v", Table = "t", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
            var ids = await client.ResolveAsync("v", ["@user", "<num>", "<unk>"]);
            await client.PullAsync("v", ids.AsMemory(), new float[12]);
            await client.PushAsync("v", PushKind.Delta, ids[..2], new float[8]);
            var missing = await Assert.ThrowsAsync<RpcException>(() => client.DescribeViewAsync("no-such-view"));
            Assert.Equal(StatusCode.NotFound, missing.StatusCode);
            await client.CheckpointAsync();
            Assert.Equal(2, (await client.NeighboursAsync("v", "@user", k: 5)).Neighbors.Count);

            using var http = new HttpClient();
            var text = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");

            Assert.Contains("# TYPE rpc_server_call_duration_seconds histogram", text);
            Assert.Equal(1, Count(text, "rpc_server_call_duration_seconds_count", "rpc_method=\"Push\"", "rpc_grpc_status_code=\"0\""));
            Assert.Equal(1, Count(text, "rpc_server_call_duration_seconds_count", "rpc_method=\"DescribeView\"", "rpc_grpc_status_code=\"5\""));
            Assert.Equal(3, Count(text, "embstore_rows_pulled_total"));
            Assert.Equal(2, Count(text, "embstore_rows_pushed_total"));
            Assert.True(Count(text, "embstore_checkpoint_duration_seconds_count") >= 1);
            Assert.True(Count(text, "embstore_neighbour_cache_bytes") > 0); // the view's three rows
            Assert.Contains("dotnet_gc_collections_total", text.Replace("process_runtime_", ""));

            var json = server.Output.Where(line => line.StartsWith('{')).ToList();
            Assert.NotEmpty(json);
            foreach (var line in json)
            {
                using var document = JsonDocument.Parse(line);
                Assert.True(document.RootElement.TryGetProperty("EventId", out _), line);
            }
            Assert.Contains(json, line => line.Contains("\"Url\":", StringComparison.Ordinal) && line.Contains("listening on", StringComparison.Ordinal));
        }
        finally { server.DeleteData(); }
    }

    /// <summary>The value of the one sample line that starts with <paramref name="name"/> and has every label given.</summary>
    private static double Count(string exposition, string name, params string[] labels)
    {
        var lines = exposition.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && (line.Length == name.Length || line[name.Length] is '{' or ' '))
            .Where(line => labels.All(line.Contains))
            .ToList();
        Assert.True(lines.Count == 1, $"expected one sample of {name} {string.Join(',', labels)}, found {lines.Count}:\n{exposition}");
        var sample = lines[0];
        // A sample line is "name{labels} value [timestamp]".
        var fields = sample[(sample.LastIndexOf('}') + 1)..].Trim().Split(' ');
        return double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
