using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;

namespace EndToEnd.Tests.Client;

/// <summary>
/// Answers unary gRPC calls in-process with a canned reply, recording the request bytes,
/// so the client's own packing and copying can be checked without a server. A reply that throws
/// <see cref="RpcException"/> answers with its status instead (a trailers-only response).
/// </summary>
internal sealed class FakeGrpcHandler(Func<string, byte[], CancellationToken, Task<IMessage>> reply) : HttpMessageHandler
{
    public FakeGrpcHandler(Func<string, byte[], IMessage> reply) : this((method, request, _) => Task.FromResult(reply(method, request))) { }

    public List<(string Method, byte[] Request, string? Timeout)> Calls { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var framed = await request.Content!.ReadAsByteArrayAsync(ct);
        // gRPC framing: 1 byte compressed flag, 4 bytes big-endian length, then the message.
        var message = framed[5..(5 + BinaryPrimitives.ReadInt32BigEndian(framed.AsSpan(1)))];
        var method = request.RequestUri!.AbsolutePath;
        var timeout = request.Headers.TryGetValues("grpc-timeout", out var values) ? values.Single() : null;
        Calls.Add((method, message, timeout));

        IMessage? answer = null;
        RpcException? error = null;
        try { answer = await reply(method, message, ct); }
        catch (RpcException e) { error = e; }

        var body = answer?.ToByteArray() ?? [];
        var frame = new byte[answer is null ? 0 : 5 + body.Length];
        if (answer is not null)
        {
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), body.Length);
            body.CopyTo(frame, 5);
        }
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20, Content = new ByteArrayContent(frame) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        if (error is null) response.TrailingHeaders.Add("grpc-status", "0");
        else
        {
            // Trailers-only: the status travels in the headers of a response without a message.
            response.Headers.Add("grpc-status", ((int)error.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            response.Headers.Add("grpc-message", error.Status.Detail);
        }
        return response;
    }
}
