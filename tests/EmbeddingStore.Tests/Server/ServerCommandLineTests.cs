using System.Net;
using EmbeddingStore.Server;

namespace EmbeddingStore.Tests.Server;

public class ServerCommandLineTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("localhost")]
    public void Host_IpOrLocalhost_Accepted(string host) =>
        Assert.Empty(ServerCommandLine.Build().Parse(["--host", host]).Errors);

    [Fact]
    public void Host_OtherName_RefusedWithMessage()
    {
        var errors = ServerCommandLine.Build().Parse(["--host", "example.org"]).Errors;
        Assert.Contains(errors, e => e.Message.Contains("'example.org' is not an IP address"));
    }

    [Fact]
    public void Localhost_ListensOnIpv4Loopback() =>
        Assert.Equal(IPAddress.Loopback, new ServerOptions { Host = "localhost" }.ListenAddress());
}
