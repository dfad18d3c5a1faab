using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

/// <summary>
/// Ingest bodies sent with Content-Encoding, as log shippers and HTTP clients send them: each
/// supported coding is decompressed as it streams in, the decompressed size is what MaxBodyBytes
/// limits, and what cannot be decompressed is a 4xx that wrote nothing.
/// </summary>
public sealed class CompressedBodyTests : IAsyncLifetime
{
    private const string Records = "/v1/datasets/page_views/records";
    private readonly MallardHosts _hosts = new();

    public Task InitializeAsync() => _hosts.InitializeAsync();

    public Task DisposeAsync() => _hosts.DisposeAsync();

    public static TheoryData<string> Codings => new() { "gzip", "deflate", "br", "zstd" };

    [Theory]
    [MemberData(nameof(Codings))]
    public async Task Ingest_compressedNdjson_storesEveryRecordAsIfSentPlain(string coding)
    {
        var views = PageView.Generate(500, seed: 40 + coding.Length);
        var before = await _hosts.CountPageViewsAsync();

        using var response = await SendAsync(Compress(coding, Encoding.UTF8.GetBytes(PageView.NdJson(views))), coding);

        var receipt = await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(500, receipt.GetProperty("accepted").GetInt32());
        Assert.Equal(before + 500, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_sameBatchGzippedThenPlainUnderOneIdempotencyKey_isOneBatch()
    {
        var body = Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(200, seed: 51)));
        var before = await _hosts.CountPageViewsAsync();

        using var first = await SendAsync(Compress("gzip", body), "gzip", idempotencyKey: "compressed-retry-1");
        using var retry = await SendAsync(body, coding: null, idempotencyKey: "compressed-retry-1");

        // The request hash is taken over the decompressed bytes: how a retry was compressed does
        // not make it a different request.
        Assert.Equal(200, (await HttpJson.ReadJsonAsync(first, HttpStatusCode.OK)).GetProperty("accepted").GetInt32());
        Assert.Equal(200, (await HttpJson.ReadJsonAsync(retry, HttpStatusCode.OK)).GetProperty("accepted").GetInt32());
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(before + 200, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_gzipBombPastMaxBodyBytesOnceDecompressed_is413_andTheGatewayStillIngests()
    {
        // 4 GiB of zeros in 4,096 concatenated gzip members (a valid gzip stream of about 4 MB):
        // held whole, it could not even fit one array; read to the limit, it is refused at 64 MiB.
        var member = Compress("gzip", new byte[1024 * 1024]);
        var bomb = new byte[member.Length * 4096];
        for (var i = 0; i < 4096; i++)
        {
            member.CopyTo(bomb, i * member.Length);
        }

        using var response = await SendAsync(bomb, "gzip");

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("body_too_large", problem.GetProperty("code").GetString());
        Assert.Contains("once decompressed", problem.GetProperty("detail").GetString());
        Assert.Contains("Mallard:Gateway:MaxBodyBytes", problem.GetProperty("detail").GetString());
        using var after = await SendAsync(Compress("gzip", Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(3, seed: 52)))), "gzip");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Ingest_unknownContentEncoding_is415NamingIt_andWritesNothing()
    {
        var before = await _hosts.CountPageViewsAsync();

        using var response = await SendAsync(Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(3, seed: 53))), "compress");

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_content_encoding", problem.GetProperty("code").GetString());
        Assert.Contains("'compress'", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_twoStackedCodings_is415()
    {
        var body = Compress("gzip", Compress("gzip", Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(3, seed: 54)))));

        using var response = await SendAsync(body, "gzip, gzip");

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_content_encoding", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ingest_corruptGzip_is400NamingTheCoding_andWritesNothing()
    {
        var before = await _hosts.CountPageViewsAsync();
        var body = Compress("gzip", Encoding.UTF8.GetBytes(PageView.NdJson(PageView.Generate(50, seed: 55))));
        for (var i = 20; i < body.Length - 8; i += 7)
        {
            body[i] ^= 0x5A;
        }

        using var response = await SendAsync(body, "gzip");

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("malformed_body", problem.GetProperty("code").GetString());
        Assert.Contains("gzip body does not decompress", problem.GetProperty("detail").GetString());
        Assert.Equal(before, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_gzipBatchWithABadRecord_is422NamingTheRecordAndField()
    {
        var lines = PageView.NdJson(PageView.Generate(4, seed: 56)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[2] = lines[2].Replace("\"duration_ms\":", "\"duration_ms\":\"soon\",\"x\":", StringComparison.Ordinal);

        using var response = await SendAsync(Compress("gzip", Encoding.UTF8.GetBytes(string.Join("\n", lines))), "gzip");

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        var error = problem.GetProperty("errors")[0];
        Assert.Equal(2, error.GetProperty("index").GetInt32());
        Assert.Equal("duration_ms", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Query_gzipBody_isAnswered()
    {
        var query = Compress("gzip", """{"aggregates": [{"fn": "count", "as": "n"}]}"""u8.ToArray());
        using var content = new ByteArrayContent(query);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await _hosts.Http.PostAsync("/v1/datasets/page_views/query", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(byte[] body, string? coding, string? idempotencyKey = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        if (coding is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Encoding", coding);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, Records) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await _hosts.Http.SendAsync(request);
    }

    private static byte[] Compress(string coding, byte[] plain)
    {
        if (coding == "zstd")
        {
            using var compressor = new ZstdSharp.Compressor();
            return compressor.Wrap(plain).ToArray();
        }

        using var output = new MemoryStream();
        using (Stream stream = coding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "br" => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(coding), coding, null),
        })
        {
            stream.Write(plain);
        }

        return output.ToArray();
    }
}
