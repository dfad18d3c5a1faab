using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Mallard.Tests.Conformance;
using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

/// <summary>
/// Ingest of Apache Arrow IPC streams: a stream written by an independent writer (npm's
/// apache-arrow) reads back exactly; schema and value errors are 422s naming the column (and the
/// record, for a value); dedup and Idempotency-Key work as for JSON.
/// </summary>
public sealed class ArrowIngestTests : IAsyncLifetime
{
    private const string Records = "/v1/datasets/page_views/records";
    private const string ArrowStream = "application/vnd.apache.arrow.stream";
    private readonly MallardHosts _hosts = new();

    public Task InitializeAsync()
    {
        _hosts.ApiArguments.Add("--Mallard:Gateway:MaxStringBytes=64");
        _hosts.ApiArguments.Add("--Mallard:Gateway:MaxRecordsPerBatch=1000");
        return _hosts.InitializeAsync();
    }

    public Task DisposeAsync() => _hosts.DisposeAsync();

    [Fact]
    public async Task Ingest_streamWrittenByApacheArrowJs_readsBackEveryValueExactly()
    {
        var views = PageView.Generate(300, seed: 61);
        views[7] = views[7] with { Bytes = 9_007_199_254_740_993, Revenue = 9_999_999_999.99m }; // above 2^53; the largest decimal(12,2)
        views[8] = views[8] with { Bytes = -1, Revenue = -0.01m, Ts = new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990) };
        using var folder = new TempDirectory("mallard-arrow");
        var rowsFile = Path.Combine(folder.Path, "rows.json");
        var streamFile = Path.Combine(folder.Path, "rows.arrows");
        await File.WriteAllTextAsync(rowsFile, JsonSerializer.Serialize(new
        {
            rows = views.Select(v => new Dictionary<string, object?>
            {
                ["event_id"] = v.EventId.ToString("D"),
                ["ts_micros"] = ((v.Ts.Ticks - DateTime.UnixEpoch.Ticks) / 10).ToString(CultureInfo.InvariantCulture),
                ["user_id"] = v.UserId,
                ["page"] = v.Page,
                ["country"] = v.Country,
                ["duration_ms"] = v.DurationMs,
                ["bytes"] = v.Bytes.ToString(CultureInfo.InvariantCulture),
                ["revenue_unscaled"] = v.Revenue is { } r ? (r * 100).ToString("F0", CultureInfo.InvariantCulture) : null,
                ["bot"] = v.Bot,
                ["score"] = v.Score,
                ["day"] = v.Day.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber,
            }),
        }));
        var (exitCode, output) = await NodeTools.RunAsync("node", Path.Combine(NodeTools.Web, "conformance", "write-arrow.mjs"), rowsFile, streamFile);
        Assert.True(exitCode == 0, output);

        using var response = await PostArrowAsync(await File.ReadAllBytesAsync(streamFile));

        var receipt = await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(300, receipt.GetProperty("accepted").GetInt32());
        var stored = await ReadAllAsync();
        foreach (var view in views)
        {
            var row = stored[view.EventId.ToString("D")];
            Assert.Equal(view.Ts.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture), row.GetProperty("ts").GetString());
            Assert.Equal(view.UserId, row.GetProperty("user_id").GetString());
            Assert.Equal(view.Page, row.GetProperty("page").GetString());
            Assert.Equal(view.Country, row.GetProperty("country").GetString());
            Assert.Equal(view.DurationMs, row.GetProperty("duration_ms").GetInt32());
            Assert.Equal(view.Bytes.ToString(CultureInfo.InvariantCulture), row.GetProperty("bytes").GetString());
            Assert.Equal(view.Revenue?.ToString("F2", CultureInfo.InvariantCulture), row.GetProperty("revenue").GetString());
            Assert.Equal(view.Bot, row.GetProperty("bot").GetBoolean());
            Assert.Equal(view.Score, row.GetProperty("score").ValueKind == JsonValueKind.Null ? null : row.GetProperty("score").GetDouble());
            Assert.Equal(view.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), row.GetProperty("day").GetString());
        }
    }

    [Fact]
    public async Task Ingest_sameStreamTwiceWithOneIdempotencyKey_replays_andAsNdjsonAfterwardsIsAllDuplicates()
    {
        var views = PageView.Generate(50, seed: 62);
        var body = Stream(views);

        using var first = await PostArrowAsync(body, "arrow-key-1");
        using var again = await PostArrowAsync(body, "arrow-key-1");
        using var asJson = await _hosts.PostAsync(Records, PageView.NdJson(views), "application/x-ndjson");

        Assert.Equal(50, (await HttpJson.ReadJsonAsync(first, HttpStatusCode.OK)).GetProperty("accepted").GetInt32());
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        var duplicates = await HttpJson.ReadJsonAsync(asJson, HttpStatusCode.OK);
        Assert.Equal(0, duplicates.GetProperty("accepted").GetInt32());
        Assert.Equal(50, duplicates.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task Ingest_streamSchemaNotMatchingTheContract_is422NamingEachColumn_andWritesNothing()
    {
        var before = await _hosts.CountPageViewsAsync();
        var body = Stream(PageView.Generate(5, seed: 63), field => field switch
        {
            "ts" => new TimestampType(TimeUnit.Microsecond, (string?)null), // naive: no zone
            "revenue" => new Decimal128Type(12, 3),                          // another scale
            "duration_ms" => StringType.Default,                             // another type
            _ => null,
        }, extra: "referrer");

        using var response = await PostArrowAsync(body);

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("invalid_records", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("field").GetString()!);
        Assert.All(errors.Values, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("index").ValueKind));
        Assert.Contains("no time zone", errors["ts"].GetProperty("message").GetString());
        Assert.Contains("scale 2", errors["revenue"].GetProperty("message").GetString());
        Assert.Equal("wrong_type", errors["duration_ms"].GetProperty("code").GetString());
        Assert.Equal("unknown_field", errors["referrer"].GetProperty("code").GetString());
        Assert.Equal(before, await _hosts.CountPageViewsAsync());
    }

    [Fact]
    public async Task Ingest_streamWithoutARequiredColumn_is422Missing()
    {
        using var response = await PostArrowAsync(Stream(PageView.Generate(3, seed: 64), omit: "user_id"));

        var error = (await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity)).GetProperty("errors")[0];
        Assert.Equal("user_id", error.GetProperty("field").GetString());
        Assert.Equal("missing", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ingest_badValuesInASecondRecordBatch_is422NamingTheRecordIndexAcrossBatches()
    {
        var views = PageView.Generate(20, seed: 65);
        views[13] = views[13] with { Page = new string('p', 65) };                       // past MaxStringBytes (64)
        var body = Stream(views, batchRows: 10, nullAt: ("user_id", 16));                // user_id is required

        using var response = await PostArrowAsync(body);

        var errors = (await HttpJson.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity)).GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString(), e.GetProperty("code").GetString())).ToList();
        Assert.Equal([(13, "page", "too_long"), (16, "user_id", "null_not_allowed")], errors);
    }

    [Fact]
    public async Task Ingest_nanosecondTimestampsThatAreWholeMicroseconds_areStored_andOthersAreTooPrecise()
    {
        var views = PageView.Generate(2, seed: 66);
        var fine = Stream(views, nanoseconds: 0);
        var tooFine = Stream(PageView.Generate(2, seed: 67), nanoseconds: 1);

        using var stored = await PostArrowAsync(fine);
        using var refused = await PostArrowAsync(tooFine);

        Assert.Equal(2, (await HttpJson.ReadJsonAsync(stored, HttpStatusCode.OK)).GetProperty("accepted").GetInt32());
        var error = (await HttpJson.ReadJsonAsync(refused, HttpStatusCode.UnprocessableEntity)).GetProperty("errors")[0];
        Assert.Equal("too_precise", error.GetProperty("code").GetString());
        Assert.Equal("ts", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Ingest_moreRecordsThanMaxRecordsPerBatch_is413()
    {
        using var response = await PostArrowAsync(Stream(PageView.Generate(1_001, seed: 68), batchRows: 500));

        Assert.Equal("too_many_records", (await HttpJson.ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ingest_truncatedStream_is400MalformedBody()
    {
        var body = Stream(PageView.Generate(30, seed: 69));

        using var response = await PostArrowAsync(body[..(body.Length / 2)]);

        var problem = await HttpJson.ReadJsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("malformed_body", problem.GetProperty("code").GetString());
        Assert.Contains("Arrow IPC stream", problem.GetProperty("detail").GetString());
    }

    private async Task<Dictionary<string, JsonElement>> ReadAllAsync()
    {
        using var response = await _hosts.PostJsonAsync("/v1/datasets/page_views/query", """{"orderBy":[{"column":"event_id"}],"limit":10000}""");
        var body = await HttpJson.ReadJsonAsync(response, HttpStatusCode.OK);
        return body.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("event_id").GetString()!, r => r.Clone());
    }

    private async Task<HttpResponseMessage> PostArrowAsync(byte[] body, string? idempotencyKey = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(ArrowStream);
        using var request = new HttpRequestMessage(HttpMethod.Post, Records) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await _hosts.Http.SendAsync(request);
    }

    // Page views as an Arrow stream written by the .NET Apache.Arrow writer, with types the
    // contract maps to unless <paramref name="typeOf"/> names another.
    internal static byte[] Stream(
        List<PageView> views,
        Func<string, IArrowType?>? typeOf = null,
        string? extra = null,
        string? omit = null,
        int batchRows = 1_000,
        (string Column, int Row)? nullAt = null,
        int? nanoseconds = null)
    {
        var columns = new (string Name, IArrowType Type, Func<List<PageView>, int, IArrowArray> Build)[]
        {
            ("event_id", new FixedSizeBinaryType(16), (vs, _) => new FixedSizeBinaryArray(new ArrayData(new FixedSizeBinaryType(16), vs.Count, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(vs.SelectMany(v => v.EventId.ToByteArray(bigEndian: true)).ToArray())]))),
            ("ts", new TimestampType(nanoseconds is null ? TimeUnit.Microsecond : TimeUnit.Nanosecond, "UTC"), (vs, _) => Timestamps(vs, typeOf?.Invoke("ts") as TimestampType ?? new TimestampType(nanoseconds is null ? TimeUnit.Microsecond : TimeUnit.Nanosecond, "UTC"), nanoseconds)),
            ("user_id", StringType.Default, (vs, first) => Strings(vs.Select((v, i) => nullAt == ("user_id", first + i) ? null : v.UserId))),
            ("page", StringType.Default, (vs, _) => Strings(vs.Select(v => v.Page))),
            ("country", StringType.Default, (vs, _) => Strings(vs.Select(v => v.Country))),
            ("duration_ms", Int32Type.Default, (vs, _) => typeOf?.Invoke("duration_ms") is StringType ? Strings(vs.Select(v => v.DurationMs.ToString(CultureInfo.InvariantCulture))) : new Int32Array.Builder().AppendRange(vs.Select(v => v.DurationMs)).Build()),
            ("bytes", Int64Type.Default, (vs, _) => new Int64Array.Builder().AppendRange(vs.Select(v => v.Bytes)).Build()),
            ("revenue", new Decimal128Type(12, 2), (vs, _) => Decimals(vs, typeOf?.Invoke("revenue") as Decimal128Type ?? new Decimal128Type(12, 2))),
            ("bot", BooleanType.Default, (vs, _) => new BooleanArray.Builder().AppendRange(vs.Select(v => v.Bot)).Build()),
            ("score", DoubleType.Default, (vs, _) => Doubles(vs)),
            ("day", Date32Type.Default, (vs, _) => new Date32Array.Builder().AppendRange(vs.Select(v => v.Day.ToDateTime(TimeOnly.MinValue))).Build()),
        };
        var kept = columns.Where(c => c.Name != omit).ToList();
        var fields = kept.Select(c => new Field(c.Name, typeOf?.Invoke(c.Name) ?? c.Type, nullable: true)).ToList();
        if (extra is not null)
        {
            fields.Add(new Field(extra, StringType.Default, nullable: true));
        }

        var schema = new Schema(fields, null);
        using var output = new MemoryStream();
        using (var writer = new ArrowStreamWriter(output, schema, leaveOpen: true))
        {
            for (var first = 0; first < views.Count; first += batchRows)
            {
                var slice = views.Skip(first).Take(batchRows).ToList();
                var arrays = kept.Select(c => c.Build(slice, first)).ToList();
                if (extra is not null)
                {
                    arrays.Add(Strings(slice.Select(_ => "x")));
                }

                writer.WriteRecordBatch(new RecordBatch(schema, arrays, slice.Count));
            }

            writer.WriteEnd();
        }

        return output.ToArray();
    }

    private static IArrowArray Strings(IEnumerable<string?> values)
    {
        var builder = new StringArray.Builder();
        foreach (var value in values)
        {
            if (value is null)
            {
                builder.AppendNull();
            }
            else
            {
                builder.Append(value);
            }
        }

        return builder.Build();
    }

    private static IArrowArray Timestamps(List<PageView> views, TimestampType type, int? nanoseconds)
    {
        // Raw values in the type's unit: the builder takes DateTimeOffsets, which carry no nanoseconds.
        var values = views.Select(view =>
        {
            var micros = (view.Ts.Ticks - DateTime.UnixEpoch.Ticks) / 10;
            return type.Unit == TimeUnit.Nanosecond ? micros * 1_000 + (nanoseconds ?? 0) : micros;
        }).ToArray();
        return new TimestampArray(new ArrayData(type, values.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]));
    }

    private static IArrowArray Decimals(List<PageView> views, Decimal128Type type)
    {
        var builder = new Decimal128Array.Builder(type);
        foreach (var view in views)
        {
            if (view.Revenue is { } revenue)
            {
                builder.Append(revenue);
            }
            else
            {
                builder.AppendNull();
            }
        }

        return builder.Build();
    }

    private static IArrowArray Doubles(List<PageView> views)
    {
        var builder = new DoubleArray.Builder();
        foreach (var view in views)
        {
            if (view.Score is { } score)
            {
                builder.Append(score);
            }
            else
            {
                builder.AppendNull();
            }
        }

        return builder.Build();
    }
}
