using System.Net;
using System.Net.Sockets;

namespace Mallard.Tests.Http;

/// <summary>The silo's own probes: liveness that asks nobody else, readiness that means an active member.</summary>
public sealed class SiloProbeTests
{
    [Fact]
    public async Task Probes_ofAnActiveSilo_areLiveAndReady()
    {
        var hosts = new MallardHosts();
        await hosts.InitializeAsync();
        try
        {
            using var silo = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{hosts.SiloHttpPort}") };
            using var live = await silo.GetAsync("/healthz");
            using var ready = await silo.GetAsync("/readyz");

            Assert.Equal((HttpStatusCode.OK, "ok"), (live.StatusCode, await live.Content.ReadAsStringAsync()));
            Assert.Equal((HttpStatusCode.OK, "ready"), (ready.StatusCode, await ready.Content.ReadAsStringAsync()));
        }
        finally
        {
            await hosts.DisposeAsync();
        }
    }

    [Fact]
    public async Task Probes_inAPod_listenOnThePodAddressOnly()
    {
        // Pods emulated on one machine each have their own loopback address: 127.0.0.1 must stay free.
        var hosts = new MallardHosts();
        hosts.SiloArguments.Add("--POD_IP=127.0.0.77");
        await hosts.InitializeAsync();
        try
        {
            using var pod = new HttpClient { BaseAddress = new Uri($"http://127.0.0.77:{hosts.SiloHttpPort}") };
            using var ready = await pod.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

            using var loopback = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => loopback.ConnectAsync(IPAddress.Loopback, hosts.SiloHttpPort));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        finally
        {
            await hosts.DisposeAsync();
        }
    }
}
