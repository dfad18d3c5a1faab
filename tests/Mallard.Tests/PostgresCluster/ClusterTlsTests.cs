using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>The Orleans transport with mutual TLS: the cluster works, and nothing without a certificate from its CA gets a word in.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTlsTests(PostgresServer postgres)
{
    [Fact]
    public async Task Cluster_withMutualTls_servesIngestAndQueries_andRefusesPeersWithoutItsCertificates()
    {
        using var folder = new TempDirectory("mallard-tls");
        var cluster = TestCertificates.Create(folder.Path, "cluster");
        var rogue = TestCertificates.Create(folder.Path, "rogue");
        await using var mallard = new MallardCluster(await postgres.CreateDatabaseAsync(), silos: 2) { CommonSettings = cluster.Settings };

        // Two silos and the gateway only form a cluster if TLS works both silo to silo and gateway to silo.
        await mallard.StartAsync();
        using (var response = await mallard.PostRecordsAsync(PageView.JsonArray(PageView.Generate(200, seed: 7))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var (status, body) = await mallard.QueryAsync("""{"aggregates": [{"fn": "count", "as": "n"}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("200", body.GetProperty("rows")[0].GetProperty("n").GetString());

        foreach (var port in new[] { mallard.GatewayPort(0), mallard.SiloPort(1) })
        {
            // The port speaks TLS, presenting a certificate of the cluster's CA to a member.
            Assert.Equal("CN=cluster test CA", await HandshakeIssuerAsync(port, cluster.LoadMember()));

            Assert.True(await IsCutOffAsync(port, tls: false, certificate: null), $"port {port} kept a plain-TCP connection open");
            Assert.True(await IsCutOffAsync(port, tls: true, certificate: null), $"port {port} kept a TLS connection without a client certificate open");
            Assert.True(await IsCutOffAsync(port, tls: true, certificate: rogue.LoadMember()), $"port {port} kept a connection with another CA's certificate open");
        }
    }

    // Completes a TLS handshake as a member; returns the issuer of the certificate the silo presented.
    private static async Task<string?> HandshakeIssuerAsync(int port, X509Certificate2 certificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [certificate],
        }, timeout.Token);
        return ssl.RemoteCertificate?.Issuer;
    }

    // Connects as a stranger: true when the silo ends the connection (or the handshake) within
    // seconds; an accepted connection would sit waiting for the Orleans preamble.
    private static async Task<bool> IsCutOffAsync(int port, bool tls, X509Certificate2? certificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Stream stream = tcp.GetStream();
        try
        {
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                }, timeout.Token);
            }

            // Something Orleans-shaped, then wait for the silo's verdict.
            await stream.WriteAsync(new byte[] { 0, 0, 0, 16, 1, 2, 3, 4 }, timeout.Token);
            var buffer = new byte[256];
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
                // A stranger gets no Orleans answer; keep reading until the silo hangs up.
            }

            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            return true;
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }
}
