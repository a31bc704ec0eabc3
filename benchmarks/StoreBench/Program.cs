using System.CommandLine;
using StoreBench;
using StoreBench.Peers;

var vectors = new Option<string>("--vectors") { DefaultValueFactory = _ => "../shared/data/vectors/glove-6b-100d-top100k.bin" };
var seconds = new Option<double>("--seconds") { Description = "Duration of each throughput measurement", DefaultValueFactory = _ => 5 };
var clients = new Option<string>("--clients") { Description = "Concurrent clients, comma-separated", DefaultValueFactory = _ => "1,16" };
var output = new Option<string?>("--out") { Description = "Also write the markdown table to this file" };
var subscribers = new Option<string?>("--subscribers") { Description = "Instead: push throughput with these numbers of subscribers attached, comma-separated (e.g. 0,1,16), for each --clients count of pushers" };
var big = new Option<int>("--big-rows") { Description = "Instead: import a generated 300-d file of this many rows (3000000 = GoogleNews-sized, 3.6 GB) and report speed and peak memory" };
var neighbours = new Option<int>("--neighbours") { Description = "Instead: time this many neighbour queries (p50/p99) on --vectors" };
var compaction = new Option<int>("--compaction") { Description = "Instead: push every row of a 100k x 300 fine-tune view larger than memory this many times and show the log files on disk (log compaction)" };
var restart = new Option<string?>("--restart") { Description = "Instead: restart time (process start to SERVING) of stores holding these numbers of view rows, comma-separated (e.g. 1000000,10000000), with a full and an empty write-ahead log (benchmarks/restart-time.sh runs this)" };
var memoryMb = new Option<int>("--memory-mb") { Description = "With --restart: the server's --memory-mb (keep it above the log's size so that the fill stays in the write-ahead log)", DefaultValueFactory = _ => 8192 };
var cold = new Option<bool>("--cold") { Description = "With --restart: also restart with the page cache dropped (needs root)" };
var workRoot = new Option<string>("--work") { Description = "With --restart: where the data folders go (removed afterwards)", DefaultValueFactory = _ => Path.GetTempPath() };
var peers = new Option<bool>("--peers") { Description = "Instead: compare the store with Redis, Garnet, a loopback TCP copy and gensim (scripts/bench.sh runs this)" };
var redis = new Option<string?>("--redis") { Description = "With --peers: host:port of a Redis server (skipped when absent)" };
var redisPid = new Option<int?>("--redis-pid") { Description = "With --peers: Redis's process id, to measure its CPU per row" };
var garnet = new Option<string?>("--garnet") { Description = "With --peers: host:port of a Garnet server (skipped when absent)" };
var garnetPid = new Option<int?>("--garnet-pid") { Description = "With --peers: Garnet's process id, to measure its CPU per row" };
var python = new Option<string>("--python") { Description = "With --peers: the Python interpreter that has gensim", DefaultValueFactory = _ => "/usr/bin/python3" };
var importRows = new Option<int>("--import-rows") { Description = "With --peers: rows of the generated 300-d import file (0: none)", DefaultValueFactory = _ => 3_000_000 };
var noImports = new Option<bool>("--no-imports") { Description = "With --peers: skip the import comparison (quick runs of pull and push)" };
var results = new Option<string>("--results") { Description = "With --peers: the markdown results file", DefaultValueFactory = _ => "docs/bench-results.md" };
var chart = new Option<string?>("--chart") { Description = "With --peers: the bar chart (PNG)" };
var root = new RootCommand("Measures the store: import speed, memory per row, pull and push throughput over loopback, and against its peers")
{
    vectors, seconds, clients, output, big, compaction, neighbours, subscribers, peers, redis, redisPid, garnet, garnetPid, python, importRows, noImports,
    results, chart, restart, memoryMb, cold, workRoot,
};
int[] Counts(string list) => [.. list.Split(',').Select(int.Parse)];
root.SetAction((parse, cancellationToken) =>
    parse.GetValue(peers) ? PeerBench.RunAsync(new PeerOptions(parse.GetValue(vectors)!, parse.GetValue(seconds), Counts(parse.GetValue(clients)!),
        parse.GetValue(redis), parse.GetValue(redisPid), parse.GetValue(garnet), parse.GetValue(garnetPid), parse.GetValue(python)!,
        parse.GetValue(importRows), !parse.GetValue(noImports), parse.GetValue(results)!, parse.GetValue(chart)), cancellationToken)
    : parse.GetValue(restart) is { } sizes ? RestartBench.RunAsync(new RestartBench.Options(Counts(sizes), parse.GetValue(memoryMb), parse.GetValue(cold),
        parse.GetValue(workRoot)!, parse.GetValue(output)), cancellationToken)
    : parse.GetValue(big) > 0 ? BigImport.RunAsync(parse.GetValue(big), parse.GetValue(output), cancellationToken)
    : parse.GetValue(compaction) > 0 ? CompactionBench.RunAsync(parse.GetValue(compaction), parse.GetValue(output), cancellationToken)
    : parse.GetValue(neighbours) > 0 ? NeighbourLatency.RunAsync(parse.GetValue(vectors)!, parse.GetValue(neighbours), parse.GetValue(output), cancellationToken)
    : parse.GetValue(subscribers) is { } followers ? SubscriberBench.RunAsync(parse.GetValue(vectors)!, parse.GetValue(seconds),
        Counts(parse.GetValue(clients)!), Counts(followers), parse.GetValue(output), cancellationToken)
    : Bench.RunAsync(parse.GetValue(vectors)!, parse.GetValue(seconds), Counts(parse.GetValue(clients)!), parse.GetValue(output), cancellationToken));
return await root.Parse(args).InvokeAsync();
