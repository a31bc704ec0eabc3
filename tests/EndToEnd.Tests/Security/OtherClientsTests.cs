using EndToEnd.Tests.Clients;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.Security;

/// <summary>The Python and Node.js clients against the secured server: TLS with the test CA, and the API key.</summary>
[Collection(SecuredServerFixture.Collection)]
public class OtherClientsTests(SecuredServerFixture fixture)
{
    private const string PythonScript = """
        import sys
        sys.path.insert(0, ".")
        import grpc
        from embstore import Client
        address, ca, key = sys.argv[1:4]
        store = Client(address, api_key=key, ca_cert=ca, timeout=30)
        names = [t.name for t in store.list_tables()]
        store.close()
        assert "base" in names, names
        anonymous = Client(address, ca_cert=ca, timeout=30)
        try:
            anonymous.list_tables()
            sys.exit("a call without a key was answered")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNAUTHENTICATED, e.code()
        print("secured ok")
        """;

    private const string NodeScript = """
        import { Client } from './src/index.js';
        const [address, ca, key] = process.argv.slice(1);
        const store = new Client(address, { apiKey: key, caCert: ca, timeoutMs: 30000 });
        const names = (await store.listTables()).map((t) => t.name);
        store.close();
        if (!names.includes('base')) throw new Error('base missing: ' + names);
        const anonymous = new Client(address, { caCert: ca, timeoutMs: 30000 });
        try {
          await anonymous.listTables();
          throw new Error('a call without a key was answered');
        } catch (e) {
          if (e.code !== 16) throw e;
        }
        anonymous.close();
        console.log('secured ok');
        """;

    [Fact]
    public async Task PythonClient_TlsWithCaAndKey_Works_WithoutKey_Unauthenticated()
    {
        await ClientToolchain.RequirePythonAsync();
        var result = await ExternalProgram.RunAsync(ClientToolchain.Python, ["-c", PythonScript, .. Arguments()], TimeSpan.FromMinutes(2),
            ClientToolchain.PythonDir, new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("secured ok", result.StdOut);
    }

    [Fact]
    public async Task NodeClient_TlsWithCaAndKey_Works_WithoutKey_Unauthenticated()
    {
        var node = ClientToolchain.RequireNode();
        var result = await ExternalProgram.RunAsync(node, ["--input-type=module", "-e", NodeScript, .. Arguments()], TimeSpan.FromMinutes(2), ClientToolchain.NodeDir);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("secured ok", result.StdOut);
    }

    private string[] Arguments() => [fixture.Server.Address, fixture.Certificates.CaFile, fixture.Key("reader")];
}
