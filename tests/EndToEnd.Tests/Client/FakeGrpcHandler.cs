using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace EndToEnd.Tests.Client;

/// <summary>
/// Answers unary gRPC calls in-process with a canned reply, recording the request bytes,
/// so the client's own packing and copying can be checked without a server.
/// </summary>
internal sealed class FakeGrpcHandler(Func<string, byte[], IMessage> reply) : HttpMessageHandler
{
    public List<(string Method, byte[] Request, string? Timeout)> Calls { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var framed = await request.Content!.ReadAsByteArrayAsync(ct);
        // gRPC framing: 1 byte compressed flag, 4 bytes big-endian length, then the message.
        var message = framed[5..(5 + BinaryPrimitives.ReadInt32BigEndian(framed.AsSpan(1)))];
        var method = request.RequestUri!.AbsolutePath;
        var timeout = request.Headers.TryGetValues("grpc-timeout", out var values) ? values.Single() : null;
        Calls.Add((method, message, timeout));

        var body = reply(method, message).ToByteArray();
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), body.Length);
        body.CopyTo(frame, 5);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Version = HttpVersion.Version20, Content = new ByteArrayContent(frame) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        response.TrailingHeaders.Add("grpc-status", "0");
        return response;
    }
}
