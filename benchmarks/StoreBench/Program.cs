using System.CommandLine;
using StoreBench;

var vectors = new Option<string>("--vectors") { DefaultValueFactory = _ => "../shared/data/vectors/glove-6b-100d-top100k.bin" };
var seconds = new Option<double>("--seconds") { Description = "Duration of each throughput measurement", DefaultValueFactory = _ => 5 };
var clients = new Option<string>("--clients") { Description = "Concurrent clients, comma-separated", DefaultValueFactory = _ => "1,16" };
var output = new Option<string?>("--out") { Description = "Also write the markdown table to this file" };
var subscribers = new Option<string?>("--subscribers") { Description = "Instead: push throughput with these numbers of subscribers attached, comma-separated (e.g. 0,1,16), for each --clients count of pushers" };
var big = new Option<int>("--big-rows") { Description = "Instead: import a generated 300-d file of this many rows (3000000 = GoogleNews-sized, 3.6 GB) and report speed and peak memory" };
var neighbours = new Option<int>("--neighbours") { Description = "Instead: time this many neighbour queries (p50/p99) on --vectors" };
var root = new RootCommand("Measures the store: import speed, memory per row, pull and push throughput over loopback")
{
    vectors, seconds, clients, output, big, neighbours, subscribers,
};
int[] Counts(string list) => [.. list.Split(',').Select(int.Parse)];
root.SetAction((parse, cancellationToken) =>
    parse.GetValue(big) > 0 ? BigImport.RunAsync(parse.GetValue(big), parse.GetValue(output), cancellationToken)
    : parse.GetValue(neighbours) > 0 ? NeighbourLatency.RunAsync(parse.GetValue(vectors)!, parse.GetValue(neighbours), parse.GetValue(output), cancellationToken)
    : parse.GetValue(subscribers) is { } followers ? SubscriberBench.RunAsync(parse.GetValue(vectors)!, parse.GetValue(seconds),
        Counts(parse.GetValue(clients)!), Counts(followers), parse.GetValue(output), cancellationToken)
    : Bench.RunAsync(parse.GetValue(vectors)!, parse.GetValue(seconds), Counts(parse.GetValue(clients)!), parse.GetValue(output), cancellationToken));
return await root.Parse(args).InvokeAsync();
