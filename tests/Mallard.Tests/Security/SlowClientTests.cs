using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Mallard.Api.Admission;
using Mallard.Tests.Http;
using Mallard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Mallard.Tests.Security;

/// <summary>
/// Clients that send slowly hold neither a processing slot nor, past the grace period, a connection;
/// bodies without a Content-Length count against the body budget as they arrive.
/// </summary>
public sealed class SlowClientTests
{
    private const string Records = "/v1/datasets/page_views/records";

    [Fact]
    public async Task Ingest_while40ConnectionsTrickleBodies_isAdmittedAndAnsweredWithinTwoSeconds()
    {
        var hosts = new MallardHosts();
        await hosts.InitializeAsync();
        using var stop = new CancellationTokenSource();
        var tricklers = new List<Task>();
        try
        {
            var admission = hosts.ApiServices.GetRequiredService<IngestAdmission>();
            using (var warmUp = await hosts.PostJsonAsync(Records, PageView.JsonArray(PageView.Generate(50, seed: 1))))
            {
                Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
            }

            // Each declares 200 KB and sends 2.5 KB/s: above the minimum rate, so none is cut off
            // while the test runs, and far from done.
            const int declared = 200_000;
            for (var i = 0; i < 40; i++)
            {
                tricklers.Add(TrickleAsync(hosts.ApiPort, declared, bytesPerTick: 256, TimeSpan.FromMilliseconds(100), stop.Token));
            }

            await WaitUntilAsync(() => admission.InFlightBytes >= 40L * declared, "all 40 trickling bodies reserved at the door");
            Assert.Equal(0, admission.InFlight);

            var stopwatch = Stopwatch.StartNew();
            using var response = await hosts.PostJsonAsync(Records, PageView.JsonArray(PageView.Generate(100, seed: 2)));
            stopwatch.Stop();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"answered after {stopwatch.Elapsed.TotalMilliseconds:0} ms while 40 bodies trickled");
            Assert.All(tricklers, t => Assert.False(t.IsCompleted, "a trickling connection ended early: " + t.Exception?.GetBaseException().Message));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(tricklers.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            await hosts.DisposeAsync();
        }
    }

    [Fact]
    public async Task Ingest_bodyTricklingBelowTheMinimumRate_is408BodyTooSlow_andReleasesItsBytes()
    {
        var hosts = new MallardHosts();
        hosts.ApiArguments.AddRange(["--Mallard:Gateway:MinBodyBytesPerSecond=1000", "--Mallard:Gateway:BodyRateGracePeriod=00:00:02"]);
        await hosts.InitializeAsync();
        try
        {
            var admission = hosts.ApiServices.GetRequiredService<IngestAdmission>();
            using var client = await ConnectAsync(hosts.ApiPort);
            var stream = client.GetStream();
            await stream.WriteAsync(Headers(contentLength: 10_000));

            // 50 bytes/s: well under the 1,000 the gateway asks for.
            var answer = ReadAllAsync(stream);
            var stopwatch = Stopwatch.StartNew();
            while (!answer.IsCompleted && stopwatch.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    await stream.WriteAsync(new byte[10]);
                }
                catch (IOException)
                {
                    break;
                }

                await Task.WhenAny(answer, Task.Delay(200));
            }

            var text = await answer.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.StartsWith("HTTP/1.1 408", text);
            // The body may come chunked: the problem is the one JSON object in it.
            var json = text[text.IndexOf('{', StringComparison.Ordinal)..(text.LastIndexOf('}') + 1)];
            var problem = JsonDocument.Parse(json).RootElement;
            Assert.Equal("body_too_slow", problem.GetProperty("code").GetString());
            Assert.Contains("Mallard:Gateway:MinBodyBytesPerSecond", problem.GetProperty("detail").GetString());
            await WaitUntilAsync(() => admission.InFlightBytes == 0, "the slow body's reservation released");
            Assert.Equal(0, await hosts.CountPageViewsAsync());
        }
        finally
        {
            await hosts.DisposeAsync();
        }
    }

    [Fact]
    public async Task Ingest_chunkedBodyPastTheByteBudget_is503GatewayOverloaded_countedAsItArrives()
    {
        var hosts = new MallardHosts();
        hosts.ApiArguments.AddRange(["--Mallard:Gateway:MaxBodyBytes=1000000", "--Mallard:Gateway:MaxInFlightBodyBytes=1000000"]);
        await hosts.InitializeAsync();
        using var stop = new CancellationTokenSource();
        Task? holder = null;
        try
        {
            var admission = hosts.ApiServices.GetRequiredService<IngestAdmission>();
            holder = TrickleAsync(hosts.ApiPort, 800_000, bytesPerTick: 256, TimeSpan.FromMilliseconds(100), stop.Token);
            await WaitUntilAsync(() => admission.InFlightBytes == 800_000, "the declared body reserved at the door");

            // 300 KB without a Content-Length passes the 1 MB budget only once most of it has arrived.
            using var content = new ChunkedContent(Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(1_500, seed: 4))));
            using var response = await hosts.Http.PostAsync(Records, content);

            var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("gateway_overloaded", problem.GetProperty("code").GetString());
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal(800_000, admission.InFlightBytes);

            await stop.CancelAsync();
            await WaitUntilAsync(() => admission.InFlightBytes == 0, "every reservation released");
            using var chunked = new ChunkedContent(Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(1_500, seed: 4))));
            using var accepted = await hosts.Http.PostAsync(Records, chunked);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.Equal(1_500, await hosts.CountPageViewsAsync());
        }
        finally
        {
            await stop.CancelAsync();
            if (holder is not null)
            {
                await holder.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            await hosts.DisposeAsync();
        }
    }

    [Fact]
    public async Task Connection_sendingHeadersTooSlowly_isClosed()
    {
        var hosts = new MallardHosts();
        hosts.ApiArguments.Add("--Mallard:Gateway:RequestHeadersTimeout=00:00:02");
        await hosts.InitializeAsync();
        try
        {
            using var client = await ConnectAsync(hosts.ApiPort);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v1/datasets/page_views/records HTTP/1.1\r\nHost: x\r\n"));

            // Nothing more is sent: the server must end the connection itself.
            var text = await ReadAllAsync(stream).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(text.Length == 0 || text.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), text);
        }
        finally
        {
            await hosts.DisposeAsync();
        }
    }

    private static async Task TrickleAsync(int port, int contentLength, int bytesPerTick, TimeSpan tick, CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(port);
        var stream = client.GetStream();
        await stream.WriteAsync(Headers(contentLength), cancellationToken);
        var chunk = Encoding.ASCII.GetBytes(new string(' ', bytesPerTick));
        for (var sent = 0; sent + bytesPerTick < contentLength; sent += bytesPerTick)
        {
            await stream.WriteAsync(chunk, cancellationToken);
            await Task.Delay(tick, cancellationToken);
        }
    }

    private static byte[] Headers(int contentLength) => Encoding.ASCII.GetBytes(
        $"POST {Records} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n");

    private static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    private static async Task<string> ReadAllAsync(NetworkStream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the answer: what arrived is what counts.
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    /// <summary>A body sent with Transfer-Encoding: chunked (no Content-Length), in 16 KB chunks.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] bytes;

        public ChunkedContent(byte[] bytes)
        {
            this.bytes = bytes;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-ndjson");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += 16_384)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(16_384, bytes.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
