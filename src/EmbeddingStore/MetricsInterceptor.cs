using System.Diagnostics;
using System.Diagnostics.Metrics;
using EmbeddingStore.Protos;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EmbeddingStore.Server;

/// <summary>
/// Counts and times every call per method and status code (OpenTelemetry's <c>rpc.server.call.duration</c>, so
/// request counts, latencies and errors come from one histogram), and the rows that pulls and pushes move.
/// Registered before <see cref="ErrorInterceptor"/>, so it sees the status code the client receives.
/// </summary>
public sealed class MetricsInterceptor : Interceptor
{
    public const string MeterName = "EmbeddingStore.Server";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "rpc.server.call.duration", "s", "Duration of gRPC calls (whole stream for streaming calls)",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        });

    private static readonly Counter<long> RowsPulled = Meter.CreateCounter<long>(
        "embstore.rows.pulled", "{row}", "Rows returned by Pull and PullCombined");

    private static readonly Counter<long> RowsPushed = Meter.CreateCounter<long>(
        "embstore.rows.pushed", "{row}", "Distinct rows updated by Push");

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context);
            CountRows(response);
            Record(context, started, StatusCode.OK);
            return response;
        }
        catch (Exception e)
        {
            Record(context, started, StatusOf(e));
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(requestStream, context);
            Record(context, started, StatusCode.OK);
            return response;
        }
        catch (Exception e)
        {
            Record(context, started, StatusOf(e));
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, responseStream, context);
            Record(context, started, StatusCode.OK);
        }
        catch (Exception e)
        {
            Record(context, started, StatusOf(e));
            throw;
        }
    }

    private static StatusCode StatusOf(Exception e) => e switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

    private static void CountRows(object response)
    {
        switch (response)
        {
            case PullResponse pull:
                RowsPulled.Add(pull.Rows.Count);
                break;
            case PullCombinedResponse combined when combined.Dims.Count > 0:
                RowsPulled.Add(combined.Rows.Count / combined.Dims.Count);
                break;
            case PushResponse push:
                RowsPushed.Add(push.Applied);
                break;
        }
    }

    private static void Record(ServerCallContext context, long started, StatusCode status) => Record(context.Method, started, status);

    /// <summary>Records a call of <paramref name="method"/> ("/package.Service/Method") that ended with <paramref name="status"/>.</summary>
    internal static void Record(string method, long started, StatusCode status)
    {
        var slash = method.LastIndexOf('/');
        var service = slash > 1 ? method[1..slash] : method;
        CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("rpc.system", "grpc"),
            new KeyValuePair<string, object?>("rpc.service", service),
            new KeyValuePair<string, object?>("rpc.method", method[(slash + 1)..]),
            new KeyValuePair<string, object?>("rpc.grpc.status_code", (int)status));
    }
}
