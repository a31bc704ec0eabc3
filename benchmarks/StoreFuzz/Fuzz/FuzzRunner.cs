using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using EmbeddingStore.Client;
using EmbeddingStore.Protos;
using EndToEnd.Tests.Infrastructure;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace StoreFuzz;

public sealed record FuzzOptions
{
    public long Calls { get; init; } = 1_000_000;
    public int Seed { get; init; } = 2026;
    public int Concurrency { get; init; } = 16;
    /// <summary>Calls between two checks of the invariants.</summary>
    public int BatchCalls { get; init; } = 20_000;
    public Action<string> Log { get; init; } = Console.WriteLine;
}

/// <summary>One call whose answer broke a rule, with what it sent so that it can be sent again.</summary>
public sealed record FuzzFailure(string Method, string Shape, StatusCode Status, string Detail, string RequestBase64);

public sealed record FuzzReport(
    long Calls,
    TimeSpan Elapsed,
    IReadOnlyDictionary<(string Method, StatusCode Status), long> Statuses,
    IReadOnlyDictionary<string, long> Shapes,
    long FailedCalls,
    IReadOnlyList<FuzzFailure> Failures,
    IReadOnlyList<string> BrokenInvariants,
    IReadOnlyList<string> ServerErrors)
{
    public bool Passed => FailedCalls == 0 && BrokenInvariants.Count == 0;

    /// <summary>Statuses seen per method as a Markdown table, then the failures and broken invariants.</summary>
    public string ToMarkdown()
    {
        var codes = Statuses.Keys.Select(k => k.Status).Distinct().Order().ToList();
        var lines = new List<string>
        {
            $"{Calls:N0} calls in {Elapsed.TotalSeconds:F0} s ({Calls / Math.Max(1, Elapsed.TotalSeconds):N0}/s); shapes: " +
            string.Join(", ", Shapes.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value:N0}")),
            "",
            "| method | " + string.Join(" | ", codes) + " |",
            "|---|" + string.Concat(codes.Select(_ => "---:|")),
        };
        foreach (var method in Statuses.Keys.Select(k => k.Method).Distinct().Order(StringComparer.Ordinal))
            lines.Add($"| {method} | " + string.Join(" | ", codes.Select(c => Statuses.TryGetValue((method, c), out var n) ? n.ToString("N0", CultureInfo.InvariantCulture) : "")) + " |");
        lines.Add("");
        lines.Add($"Calls answered with a status no method documents (INTERNAL, UNKNOWN, UNAVAILABLE, DATA_LOSS, UNIMPLEMENTED): {FailedCalls:N0}");
        foreach (var f in Failures) lines.Add($"- {f.Method} ({f.Shape}): {f.Status} \"{f.Detail}\" request {f.RequestBase64}");
        lines.Add($"Broken invariants: {BrokenInvariants.Count}");
        lines.AddRange(BrokenInvariants.Select(b => "- " + b));
        if (ServerErrors.Count > 0)
        {
            lines.Add("Server log errors:");
            lines.AddRange(ServerErrors.Take(20).Select(e => "    " + (e.Length > 600 ? e[..600] + "..." : e)));
        }
        return string.Join('\n', lines);
    }
}

/// <summary>
/// Starts the real store process, sets up sentinel rows that no request may touch and fuzz rows that requests may
/// change, then sends random and mutated requests of every RPC (issue 24, "A fuzzer"). After each batch it checks: the
/// process is alive and SERVING, and every sentinel row (base rows of two tables read through static views, overlay
/// rows, fine-tune copies, a layered view, a snapshot) reads bit for bit as before, with each sentinel token still
/// naming its row. Every call must end with a status some method documents: never INTERNAL or UNKNOWN.
/// </summary>
public static class FuzzRunner
{
    private static readonly StatusCode[] Undocumented =
        [StatusCode.Internal, StatusCode.Unknown, StatusCode.Unavailable, StatusCode.DataLoss, StatusCode.Unimplemented];

    private sealed record Rpc(string Service, MethodDescriptor Descriptor, double Weight)
    {
        public string Name => $"{Descriptor.Service.Name}.{Descriptor.Name}";
        public Method<byte[], byte[]> Method { get; } = new(
            Descriptor.IsClientStreaming && Descriptor.IsServerStreaming ? MethodType.DuplexStreaming
            : Descriptor.IsClientStreaming ? MethodType.ClientStreaming
            : Descriptor.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary,
            Service, Descriptor.Name, Bytes, Bytes);
    }

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>Every RPC of the store's protos and the health check, the slow ones (imports, checkpoints) sent less often.</summary>
    private static List<Rpc> AllRpcs()
    {
        var services = EmbeddingStoreReflection.Descriptor.Services.Concat(Grpc.Health.V1.HealthReflection.Descriptor.Services);
        return services.SelectMany(s => s.Methods.Select(m => new Rpc(s.FullName, m, m.Name switch
        {
            "Checkpoint" => 0.05,
            "ImportFile" or "UploadFile" or "Export" => 0.3,
            "CreateSnapshot" or "CreateTable" or "Watch" => 0.4,
            // Deleting less often than creating keeps the fuzz views there most of the time, so that row calls reach rows.
            "DeleteTable" or "DeleteView" => 0.2,
            "Subscribe" => 0.3,
            _ => 1.0,
        }))).ToList();
    }

    public static async Task<FuzzReport> RunAsync(FuzzOptions options)
    {
        var log = options.Log;
        await using var server = await ServerProcess.StartAsync();
        try
        {
            using var client = new EmbeddingStoreClient(server.Address);
            await client.WaitForServingAsync(TimeSpan.FromSeconds(60));
            var sentinel = await Sentinel.SetUpAsync(client, server.ImportDir);
            var fingerprint = await sentinel.FingerprintAsync(client);
            log($"sentinel: {sentinel.RowCount} rows in {sentinel.Views.Count} views, fingerprint {fingerprint[..16]}");

            using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions
            {
                MaxReceiveMessageSize = 128 << 20,
                MaxSendMessageSize = 128 << 20,
            });
            var invoker = channel.CreateCallInvoker();
            var rpcs = AllRpcs();
            var vocabulary = new FuzzVocabulary();
            var statuses = new ConcurrentDictionary<(string, StatusCode), long>();
            var shapes = new ConcurrentDictionary<string, long>();
            var failures = new ConcurrentQueue<FuzzFailure>();
            long failed = 0, sent = 0;
            var broken = new List<string>();
            var clock = Stopwatch.StartNew();
            var lastLog = clock.Elapsed;
            for (var batch = 0; sent < options.Calls && broken.Count == 0; batch++)
            {
                var batchEnd = Math.Min(options.Calls, sent + options.BatchCalls);
                var workers = Enumerable.Range(0, options.Concurrency).Select(w => Task.Run(async () =>
                {
                    var random = new Random(HashCode.Combine(options.Seed, batch, w));
                    var generator = new RequestGenerator(random, vocabulary);
                    while (Interlocked.Increment(ref sent) <= batchEnd)
                    {
                        var rpc = Pick(rpcs, random);
                        var (status, detail, request, shape) = await CallAsync(invoker, rpc, generator, vocabulary, random);
                        statuses.AddOrUpdate((rpc.Name, status), 1, (_, n) => n + 1);
                        shapes.AddOrUpdate(shape, 1, (_, n) => n + 1);
                        if (!Undocumented.Contains(status)) continue;
                        Interlocked.Increment(ref failed);
                        if (failures.Count < 50) failures.Enqueue(new FuzzFailure(rpc.Name, shape, status, detail, RequestGenerator.Describe(request)));
                    }
                })).ToList();
                await Task.WhenAll(workers);
                sent = batchEnd;
                broken.AddRange(await CheckAsync(server, client, sentinel, fingerprint));
                if (clock.Elapsed - lastLog > TimeSpan.FromSeconds(10) || sent >= options.Calls || broken.Count > 0)
                {
                    log($"{sent:N0} calls, {clock.Elapsed.TotalSeconds:F0} s, {sent / clock.Elapsed.TotalSeconds:N0}/s, undocumented statuses {Interlocked.Read(ref failed)}, broken invariants {broken.Count}");
                    lastLog = clock.Elapsed;
                }
            }
            // A stream this side ended at its deadline is logged by grpc-dotnet as a failed call; it is not the server's.
            var serverErrors = server.Output.Where(l => (l.Contains("fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal)
                || l.Contains("Unhandled", StringComparison.Ordinal)) && !l.Contains("The client reset the request stream", StringComparison.Ordinal)).ToList();
            return new FuzzReport(sent, clock.Elapsed, statuses, shapes, failed, [.. failures], broken, serverErrors);
        }
        finally { server.DeleteData(); }
    }

    private static Rpc Pick(List<Rpc> rpcs, Random random)
    {
        var total = rpcs.Sum(r => r.Weight);
        var roll = random.NextDouble() * total;
        foreach (var rpc in rpcs)
            if ((roll -= rpc.Weight) <= 0) return rpc;
        return rpcs[^1];
    }

    private static async Task<(StatusCode, string, byte[], string)> CallAsync(CallInvoker invoker, Rpc rpc, RequestGenerator generator,
        FuzzVocabulary vocabulary, Random random)
    {
        var (request, shape) = generator.Next(rpc.Descriptor.InputType);
        // A subscription or a health watch streams until its deadline: a short one ends it.
        var deadline = DateTime.UtcNow + (rpc.Descriptor.Name is "Subscribe" or "Watch" ? TimeSpan.FromMilliseconds(150) : TimeSpan.FromSeconds(60));
        var options = new CallOptions(deadline: deadline);
        try
        {
            switch (rpc.Method.Type)
            {
                case MethodType.Unary:
                    Learn(rpc, await invoker.AsyncUnaryCall(rpc.Method, null, options, request), vocabulary);
                    break;
                case MethodType.ServerStreaming:
                    {
                        using var call = invoker.AsyncServerStreamingCall(rpc.Method, null, options, request);
                        for (var n = 0; n < 10_000 && await call.ResponseStream.MoveNext(CancellationToken.None); n++) { }
                        break;
                    }
                case MethodType.ClientStreaming:
                    {
                        using var call = invoker.AsyncClientStreamingCall(rpc.Method, null, options);
                        try
                        {
                            await call.RequestStream.WriteAsync(request);
                            for (var n = random.Next(0, 4); n > 0; n--) await call.RequestStream.WriteAsync(generator.Next(rpc.Descriptor.InputType).Bytes);
                            await call.RequestStream.CompleteAsync();
                        }
                        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException) { } // the server ended the call: its status follows
                        await call.ResponseAsync;
                        break;
                    }
                default:
                    throw new NotSupportedException($"{rpc.Name}: {rpc.Method.Type}");
            }
            return (StatusCode.OK, "", request, shape);
        }
        catch (RpcException e) { return (e.StatusCode, e.Status.Detail, request, shape); }
    }

    /// <summary>Row ids from answers, so that later requests name rows that exist.</summary>
    private static void Learn(Rpc rpc, byte[] response, FuzzVocabulary vocabulary)
    {
        switch (rpc.Descriptor.Name)
        {
            case "Resolve":
                vocabulary.SawIds(ResolveResponse.Parser.ParseFrom(response).Ids);
                break;
            case "Pull":
                vocabulary.SawIds(PullResponse.Parser.ParseFrom(response).Rows.Select(r => r.Id));
                break;
        }
    }

    private static async Task<List<string>> CheckAsync(ServerProcess server, EmbeddingStoreClient client, Sentinel sentinel, string fingerprint)
    {
        if (server.ExitCode is { } code) return [$"the server exited with code {code}"];
        try
        {
            await client.WaitForServingAsync(TimeSpan.FromSeconds(30));
            var now = await sentinel.FingerprintAsync(client);
            return now == fingerprint ? [] : [$"sentinel rows changed: fingerprint {now[..16]}, was {fingerprint[..16]}: {await sentinel.DescribeChangeAsync(client)}"];
        }
        catch (Exception e) { return [$"the check failed: {e.GetType().Name}: {e.Message}"]; }
    }
}

/// <summary>Rows no request may touch: their views' names start with <see cref="FuzzVocabulary.SentinelPrefix"/>.</summary>
public sealed class Sentinel
{
    public required IReadOnlyList<(string View, string[] Tokens)> Views { get; init; }
    public int RowCount => Views.Sum(v => v.Tokens.Length);
    private readonly Dictionary<string, byte[]> _first = [];

    public static async Task<Sentinel> SetUpAsync(EmbeddingStoreClient client, string importDir)
    {
        await File.WriteAllTextAsync(Path.Combine(importDir, "ft.txt"), FuzzVocabulary.TableText(1));
        await File.WriteAllTextAsync(Path.Combine(importDir, "bad.txt"), "2 4\na 1 2 3 4\nb 1 2 nan 4\n");
        File.CreateSymbolicLink(Path.Combine(importDir, "link.txt"), "/etc/hostname");
        const string table = FuzzVocabulary.SentinelPrefix + "-t";
        await client.ImportFileAsync(table, "ft.txt");
        await client.ImportFileAsync("ft", "ft.txt");
        var baseTokens = Enumerable.Range(0, FuzzVocabulary.TableRows).Select(FuzzVocabulary.TokenAt).ToArray();
        var newTokens = Enumerable.Range(0, 20).Select(i => $"@sentinel-{i}").ToArray();
        var random = new Random(7);
        float[] Values(int rows) => Enumerable.Range(0, rows * FuzzVocabulary.TableDim).Select(_ => (float)random.NextDouble()).ToArray();

        await client.CreateViewAsync(new CreateViewRequest { Name = "sentinel-static", Table = table, Mode = TrainMode.Static, UnknownPolicy = UnknownPolicy.Fail });
        // The fuzz table's base rows are checked through a static view of the sentinel's own, which also keeps the table
        // from being deleted (a table with views cannot be).
        await client.CreateViewAsync(new CreateViewRequest { Name = "sentinel-ft-static", Table = "ft", Mode = TrainMode.Static, UnknownPolicy = UnknownPolicy.Fail });
        await client.CreateViewAsync(new CreateViewRequest { Name = "sentinel-overlay", Table = table, Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
        var overlayIds = await client.ResolveAsync("sentinel-overlay", newTokens, UnknownPolicy.Create);
        await client.PushAsync("sentinel-overlay", PushKind.Assign, overlayIds, Values(overlayIds.Length));
        await client.CreateViewAsync(new CreateViewRequest { Name = "sentinel-tune", Table = table, Mode = TrainMode.FineTune, UnknownPolicy = UnknownPolicy.Create });
        var tuneIds = await client.ResolveAsync("sentinel-tune", baseTokens[..50], UnknownPolicy.Fail);
        await client.PushAsync("sentinel-tune", PushKind.Gradient, tuneIds, Values(tuneIds.Length));
        await client.CreateViewAsync(new CreateViewRequest { Name = "sentinel-layer", View = "sentinel-tune", Mode = TrainMode.FineTune, UnknownPolicy = UnknownPolicy.Create });
        var layerIds = await client.ResolveAsync("sentinel-layer", baseTokens[25..75], UnknownPolicy.Fail);
        await client.PushAsync("sentinel-layer", PushKind.Delta, layerIds, Values(layerIds.Length));
        await client.CreateSnapshotAsync("sentinel-tune", "sentinel-snap");

        // Fuzz views that requests may use, change and delete.
        await client.CreateViewAsync(new CreateViewRequest { Name = "fv", Table = "ft", Mode = TrainMode.Overlay, UnknownPolicy = UnknownPolicy.Create });
        await client.CreateViewAsync(new CreateViewRequest { Name = "fv-tune", Table = "ft", Mode = TrainMode.FineTune, UnknownPolicy = UnknownPolicy.Create });
        await client.CreateViewAsync(new CreateViewRequest { Name = "fv-layer", View = "fv-tune", Mode = TrainMode.FineTune, UnknownPolicy = UnknownPolicy.Create });
        await client.CreateViewAsync(new CreateViewRequest { Name = "fv-static", Table = "ft", Mode = TrainMode.Static, UnknownPolicy = UnknownPolicy.Unk });

        return new Sentinel
        {
            Views =
            [
                ("sentinel-static", baseTokens),
                ("sentinel-ft-static", baseTokens),
                ("sentinel-overlay", [.. baseTokens, .. newTokens]),
                ("sentinel-tune", baseTokens),
                ("sentinel-layer", baseTokens),
                ("sentinel-snap", baseTokens),
            ],
        };
    }

    /// <summary>A hash over every sentinel view's tokens, row ids, row metadata and vector bits.</summary>
    public async Task<string> FingerprintAsync(EmbeddingStoreClient client)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (view, tokens) in Views)
        {
            var bytes = await ViewBytesAsync(client, view, tokens);
            _first.TryAdd(view, bytes);
            hash.AppendData(bytes);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Which sentinel views read differently from the first fingerprint, for the report.</summary>
    public async Task<string> DescribeChangeAsync(EmbeddingStoreClient client)
    {
        var changed = new List<string>();
        foreach (var (view, tokens) in Views)
            if (!(await ViewBytesAsync(client, view, tokens)).AsSpan().SequenceEqual(_first[view])) changed.Add(view);
        return "changed views: " + string.Join(", ", changed);
    }

    private static async Task<byte[]> ViewBytesAsync(EmbeddingStoreClient client, string view, string[] tokens)
    {
        var ids = await client.ResolveAsync(view, tokens, UnknownPolicy.Fail);
        var (vectors, _, meta) = await client.PullAsync(view, ids);
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        foreach (var id in ids) writer.Write(id);
        foreach (var m in meta)
        {
            writer.Write(m.Id);
            writer.Write((int)m.Origin);
            writer.Write(m.Trainable);
        }
        foreach (var v in vectors) writer.Write(BitConverter.SingleToInt32Bits(v));
        writer.Flush();
        return stream.ToArray();
    }
}
