using System.Text;
using Mallard.Api.Ingest;
using Mallard.Contract;
using Mallard.Tests.Support;

namespace Mallard.Tests.Ingest;

public sealed class RecordDecoderTests
{
    private static readonly DatasetDefinition PageViews =
        ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml")).Datasets["page_views"];

    private const string ValidRecord = """
        {"event_id":"0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60","ts":"2026-11-26T10:00:00.123456Z","user_id":"u1",
         "page":"/home","country":"DE","duration_ms":1200,"bytes":"5120","revenue":"9.99","bot":false,"score":0.5,"day":"2026-11-26"}
        """;

    [Fact]
    public void Decode_valid_array_fills_every_column_in_contract_order()
    {
        var batch = Decode($"[{ValidRecord},{ValidRecord.Replace("\"country\":\"DE\",", "", StringComparison.Ordinal)}]");

        Assert.Equal(0, batch.TotalErrors);
        Assert.Equal(2, batch.RecordCount);
        Assert.Equal(11, batch.Columns.Length);
        Assert.Equal("u1", batch.Columns[2].GetString(0));
        Assert.Equal("DE", batch.Columns[4].GetValue(0));
        Assert.Null(batch.Columns[4].GetValue(1));
        Assert.Equal(5120L, batch.Columns[6].GetValue(0));
        Assert.Equal(9.99m, batch.Columns[7].GetValue(0));
        Assert.Equal("2026-11-26T10:00:00.123456Z", ValueText.FormatTimestamp(batch.Columns[1].Int64s![0]));
    }

    [Theory]
    [InlineData(1000, null)]
    [InlineData(1024, null)]
    [InlineData(1025, "too_long")]
    [InlineData(50_000_000, "too_long")]
    public void Decode_string_longer_than_the_limit_is_too_long_naming_record_and_field(int length, string? code)
    {
        var body = Flat(ValidRecord) + "\n" + Flat(ValidRecord).Replace("\"page\":\"/home\"", $"\"page\":\"{new string('x', length)}\"", StringComparison.Ordinal);

        var batch = new RecordDecoder(PageViews, 100, 100, maxStringBytes: 1024).Decode(Encoding.UTF8.GetBytes(body), BodyFormat.NdJson);

        Assert.Equal(code is null ? 0 : 1, batch.TotalErrors);
        if (code is not null)
        {
            var error = Assert.Single(batch.Errors);
            Assert.Equal((1, "page", code), (error.Index, error.Field, error.Code));
            Assert.Contains("1024", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decode_escaped_string_is_measured_unescaped()
    {
        // 1,000 characters written as \u0041 escapes: 6,000 bytes of JSON, 1,000 bytes of text.
        var escaped = string.Concat(Enumerable.Repeat("\\u0041", 1000));
        var body = Flat(ValidRecord).Replace("\"page\":\"/home\"", $"\"page\":\"{escaped}\"", StringComparison.Ordinal);

        var batch = new RecordDecoder(PageViews, 100, 100, maxStringBytes: 1024).Decode(Encoding.UTF8.GetBytes(body), BodyFormat.NdJson);

        Assert.Equal(0, batch.TotalErrors);
        Assert.Equal(new string('A', 1000), batch.Columns[3].GetString(0));
    }

    [Fact]
    public void Decode_recordsListingFieldsInAnotherOrder_orWithEscapedNames_fillTheRightColumns()
    {
        const string Shuffled = """
            {"user_id":"u2","page":"/b","ts":"2026-11-26T10:00:01Z","event_id":"1b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60","duration_ms":7,"bytes":"8","bot":true,"day":"2026-11-27"}
            """;
        const string Escaped = """
            {"\u0075ser_id":"u3","event_id":"2b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60","ts":"2026-11-26T10:00:02Z","p\u0061ge":"/c","duration_ms":9,"bytes":"10","bot":false,"day":"2026-11-28"}
            """;

        var batch = Decode($"[{ValidRecord},{Shuffled},{ValidRecord},{Escaped}]");
        var unknown = Decode($"[{ValidRecord},{Escaped.Replace("}", ",\"nope\":1}", StringComparison.Ordinal)}]");

        Assert.Equal(0, batch.TotalErrors);
        Assert.Equal(["u1", "u2", "u1", "u3"], Enumerable.Range(0, 4).Select(batch.Columns[2].GetString));
        Assert.Equal(["/home", "/b", "/home", "/c"], Enumerable.Range(0, 4).Select(batch.Columns[3].GetString));
        Assert.Equal([1200, 7, 1200, 9], Enumerable.Range(0, 4).Select(row => (int)batch.Columns[5].GetValue(row)!));
        var error = Assert.Single(unknown.Errors);
        Assert.Equal((1, "nope"), (error.Index, error.Field));
    }

    [Fact]
    public void Decode_ndjson_reads_one_record_per_line_and_skips_blank_lines()
    {
        var body = $"{Flat(ValidRecord)}\n\n{Flat(ValidRecord)}\r\n";

        var batch = new RecordDecoder(PageViews, 100, 100).Decode(Encoding.UTF8.GetBytes(body), BodyFormat.NdJson);

        Assert.Equal(0, batch.TotalErrors);
        Assert.Equal(2, batch.RecordCount);
    }

    [Theory]
    [InlineData("\"bytes\":\"5120\"", "\"bytes\":5120", null)]
    [InlineData("\"bytes\":\"5120\"", "\"bytes\":\"9223372036854775808\"", "out_of_range")]
    [InlineData("\"bytes\":\"5120\"", "\"bytes\":5120.0", "invalid_format")]
    [InlineData("\"revenue\":\"9.99\"", "\"revenue\":9.99", null)]
    [InlineData("\"revenue\":\"9.99\"", "\"revenue\":\"9.999\"", "too_precise")]
    [InlineData("\"revenue\":\"9.99\"", "\"revenue\":\"12345678901.00\"", "out_of_range")]
    [InlineData("\"revenue\":\"9.99\"", "\"revenue\":null", null)]
    [InlineData("\"duration_ms\":1200", "\"duration_ms\":\"1200\"", "wrong_type")]
    [InlineData("\"duration_ms\":1200", "\"duration_ms\":2147483648", "out_of_range")]
    [InlineData("\"duration_ms\":1200", "\"duration_ms\":12.5", "wrong_type")]
    [InlineData("\"ts\":\"2026-11-26T10:00:00.123456Z\"", "\"ts\":\"2026-11-26T10:00:00.1234567Z\"", "too_precise")]
    [InlineData("\"ts\":\"2026-11-26T10:00:00.123456Z\"", "\"ts\":\"2026-11-26 10:00:00\"", "invalid_format")]
    [InlineData("\"ts\":\"2026-11-26T10:00:00.123456Z\"", "\"ts\":1764151200", "wrong_type")]
    [InlineData("\"day\":\"2026-11-26\"", "\"day\":\"2026-13-01\"", "out_of_range")]
    [InlineData("\"event_id\":\"0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60\"", "\"event_id\":\"not-a-uuid\"", "invalid_format")]
    [InlineData("\"score\":0.5", "\"score\":1e400", "out_of_range")]
    [InlineData("\"score\":0.5", "\"score\":\"NaN\"", "wrong_type")]
    [InlineData("\"bot\":false", "\"bot\":0", "wrong_type")]
    [InlineData("\"bot\":false", "\"bot\":null", "null_not_allowed")]
    [InlineData("\"page\":\"/home\"", "\"page\":{\"a\":1}", "wrong_type")]
    [InlineData("\"page\":\"/home\"", "\"page\":\"a\\u0000b\"", "invalid_string")]
    [InlineData("\"page\":\"/home\"", "\"page\":\"\\ud800\"", "invalid_string")]
    [InlineData("\"page\":\"/home\"", "\"page\":\"/home\",\"page\":\"/again\"", "duplicate_field")]
    [InlineData("\"page\":\"/home\"", "\"page\":\"/home\",\"referrer\":\"x\"", "unknown_field")]
    [InlineData("\"page\":\"/home\",", "", "missing")]
    public void Decode_applies_the_encoding_table(string original, string replacement, string? expectedCode)
    {
        var record = Flat(ValidRecord).Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(Flat(ValidRecord), record);

        var batch = Decode($"[{record}]");

        if (expectedCode is null)
        {
            Assert.True(batch.TotalErrors == 0, string.Join("; ", batch.Errors.Select(e => e.Message)));
        }
        else
        {
            var error = Assert.Single(batch.Errors);
            Assert.Equal(expectedCode, error.Code);
            Assert.Equal(0, error.Index);
            Assert.NotNull(error.Field);
            Assert.Contains(error.Field!, error.Message, StringComparison.Ordinal);
        }

        AssertDecodedAlikeWithEscapes(record);
    }

    [Theory]
    [InlineData("\"ts\":\"2026-11-26T10:00:00.123456Z\"", "\"ts\":\"2026-11-26t12:30:00.1+02:30\"")]
    [InlineData("\"event_id\":\"0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60\"", "\"event_id\":\"0B6F3C1E-8D1A-4C39-9A5E-1F2D3C4B5A60\"")]
    [InlineData("\"event_id\":\"0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60\"", "\"event_id\":\" 0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60\"")]
    [InlineData("\"bytes\":\"5120\"", "\"bytes\":\"-9223372036854775808\"")]
    [InlineData("\"revenue\":\"9.99\"", "\"revenue\":\"-125e-2\"")]
    [InlineData("\"revenue\":\"9.99\"", "\"revenue\":-0.5E1")]
    [InlineData("\"score\":0.5", "\"score\":-1.7976931348623157e308")]
    [InlineData("\"day\":\"2026-11-26\"", "\"day\":\"2024-02-29\"")]
    [InlineData("\"duration_ms\":1200", "\"duration_ms\":-2147483648")]
    public void Decode_valuesReadFromTheBodysBytes_equalTheValuesOfTheUnescapedText(string original, string replacement)
    {
        AssertDecodedAlikeWithEscapes(Flat(ValidRecord).Replace(original, replacement, StringComparison.Ordinal));
    }

    // A value with an escape goes through the UTF-16 path; without one, it is parsed from the
    // body's bytes. Both must decode to the same values and refuse with the same errors.
    private static void AssertDecodedAlikeWithEscapes(string record)
    {
        var escaped = System.Text.RegularExpressions.Regex.Replace(
            record, ":\"([ -!#-\\[\\]-~])", m => $":\"\\u{(int)m.Groups[1].Value[0]:x4}");
        Assert.NotEqual(record, escaped);

        var plain = Decode($"[{record}]");
        var unescaped = Decode($"[{escaped}]");

        Assert.Equal(plain.Errors.Select(e => (e.Index, e.Field, e.Code, e.Message)), unescaped.Errors.Select(e => (e.Index, e.Field, e.Code, e.Message)));
        Assert.Equal(plain.Columns.Length, unescaped.Columns.Length);
        for (var column = 0; column < plain.Columns.Length; column++)
        {
            Assert.Equal(plain.Columns[column].GetValue(0), unescaped.Columns[column].GetValue(0));
        }
    }

    [Fact]
    public void Decode_reports_every_bad_record_by_index_and_caps_the_list()
    {
        var records = Enumerable.Range(0, 250).Select(i => i % 2 == 0 ? Flat(ValidRecord) : Flat(ValidRecord).Replace("\"bot\":false", "\"bot\":\"no\"", StringComparison.Ordinal));

        var batch = new RecordDecoder(PageViews, 1000, 100).Decode(Encoding.UTF8.GetBytes($"[{string.Join(",", records)}]"), BodyFormat.JsonArray);

        Assert.Equal(125, batch.TotalErrors);
        Assert.Equal(100, batch.Errors.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (int?)(2 * i + 1)), batch.Errors.Select(e => e.Index));
        Assert.All(batch.Errors, e => Assert.Equal("bot", e.Field));
        Assert.Empty(batch.Columns);
    }

    [Theory]
    [InlineData("[{\"page\":", "line 1")]
    [InlineData("{\"page\":\"x\"}", "expected a JSON array")]
    [InlineData("[1,2]garbage", "line 1")]
    [InlineData("", "empty")]
    [InlineData("[\n{},\n{,}]", "line 3")]
    public void Decode_malformed_json_names_where_it_broke(string body, string expected)
    {
        var batch = Decode(body);

        Assert.NotNull(batch.MalformedBody);
        Assert.Contains(expected, batch.MalformedBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_malformed_ndjson_names_the_line()
    {
        var body = $"{Flat(ValidRecord)}\n{Flat(ValidRecord)}\n{{\"page\":\n";

        var batch = new RecordDecoder(PageViews, 100, 100).Decode(Encoding.UTF8.GetBytes(body), BodyFormat.NdJson);

        Assert.Contains("line 3", batch.MalformedBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_non_object_record_is_an_error_at_its_index()
    {
        var batch = Decode($"[{ValidRecord}, 42]");

        var error = Assert.Single(batch.Errors);
        Assert.Equal(1, error.Index);
        Assert.Equal("not_an_object", error.Code);
    }

    [Fact]
    public void Decode_more_records_than_allowed_is_flagged()
    {
        var body = $"[{string.Join(",", Enumerable.Repeat(Flat(ValidRecord), 11))}]";

        var batch = new RecordDecoder(PageViews, 10, 100).Decode(Encoding.UTF8.GetBytes(body), BodyFormat.JsonArray);

        Assert.True(batch.TooManyRecords);
    }

    private static DecodedBatch Decode(string body) =>
        new RecordDecoder(PageViews, 100_000, 100).Decode(Encoding.UTF8.GetBytes(body), BodyFormat.JsonArray);

    private static string Flat(string record) => record.Replace("\n", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
}
