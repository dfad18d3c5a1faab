using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Security;

/// <summary>
/// Bodies and headers past the gateway's limits, and bodies that lie about their length: each gets
/// a 4xx naming the limit (or the connection is closed), nothing is written, the gateway lives.
/// </summary>
public sealed class OversizedRequestTests : IAsyncLifetime
{
    private const string Records = "/v1/datasets/page_views/records";
    private const int MaxBodyBytes = 100_000;
    private readonly MallardHosts _hosts = new();

    public Task InitializeAsync()
    {
        _hosts.ApiArguments.Add($"--Mallard:Gateway:MaxBodyBytes={MaxBodyBytes}");
        return _hosts.InitializeAsync();
    }

    public Task DisposeAsync() => _hosts.DisposeAsync();

    [Fact]
    public async Task Ingest_bodyDeclaredPastMaxBodyBytes_is413NamingTheLimit_andWritesNothing()
    {
        using var response = await _hosts.PostAsync(Records, PageView.NdJson(PageView.Generate(1_000, seed: 1)), "application/x-ndjson");

        await AssertTooLargeAsync(response, "Mallard:Gateway:MaxBodyBytes");
    }

    [Fact]
    public async Task Ingest_chunkedBodyGrowingPastMaxBodyBytes_is413NamingTheLimit_andWritesNothing()
    {
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(1_000, seed: 2)))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var request = new HttpRequestMessage(HttpMethod.Post, Records) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _hosts.Http.SendAsync(request);

        await AssertTooLargeAsync(response, "Mallard:Gateway:MaxBodyBytes");
    }

    [Fact]
    public async Task Query_bodyPastOneMebibyte_is413()
    {
        var query = "{\"filters\": [], \"pad\": \"" + new string('x', 1_100_000) + "\"}";

        using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", query);

        // The rest of the body is not read: the connection is closed, and says so, so that the
        // client's next request does not go out on it.
        Assert.True(response.Headers.ConnectionClose, "413 without Connection: close");
        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("body_too_large", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ingest_headersPastKestrelsLimit_is431_andTheGatewayLives()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Records) { Content = new StringContent("[]", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("X-Padding", new string('h', 64 * 1024));

        using var response = await _hosts.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        await AssertAliveAndEmptyAsync();
    }

    [Fact]
    public async Task Ingest_bodyShorterThanItsContentLength_writesNothing_andTheGatewayLives()
    {
        var body = Encoding.UTF8.GetBytes(PageView.JsonArray(PageView.Generate(5, seed: 3)));
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, _hosts.ApiPort);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST {Records} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length + 500}\r\n\r\n"));
            await stream.WriteAsync(body);
            client.Client.Shutdown(SocketShutdown.Send);

            // Whatever the server says (a 400, or nothing before it closes: a FIN or, when Kestrel
            // aborts the connection, a reset), it must not be a 2xx or a 5xx.
            var answer = new StreamReader(stream, Encoding.ASCII);
            string? statusLine;
            try
            {
                statusLine = await answer.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                statusLine = null;
            }

            Assert.True(statusLine is null or "" || statusLine.StartsWith("HTTP/1.1 4", StringComparison.Ordinal), statusLine);
        }

        await AssertAliveAndEmptyAsync();
    }

    [Fact]
    public async Task Ingest_bodyLongerThanItsContentLength_readsOnlyTheDeclaredBytes_andRefusesTheTruncatedJson()
    {
        var body = Encoding.UTF8.GetBytes(PageView.JsonArray(PageView.Generate(5, seed: 4)));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _hosts.ApiPort);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {Records} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length - 10}\r\n\r\n"));
        await stream.WriteAsync(body);

        var answer = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await answer.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 400", statusLine, StringComparison.Ordinal);
        await AssertAliveAndEmptyAsync();
    }

    private async Task AssertTooLargeAsync(HttpResponseMessage response, string setting)
    {
        // The rest of the body is not read: the connection is closed, and says so, so that the
        // client's next request does not go out on it.
        Assert.True(response.Headers.ConnectionClose, "413 without Connection: close");
        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("body_too_large", problem.GetProperty("code").GetString());
        Assert.Contains(setting, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertAliveAndEmptyAsync();
    }

    private async Task AssertAliveAndEmptyAsync() => Assert.Equal(0, await _hosts.CountPageViewsAsync());
}
