using System.Text;
using System.Text.RegularExpressions;

namespace Mallard.Bench;

/// <summary>
/// ClickHouse as the peer a user would pick instead: the same rows, sent to its HTTP interface as
/// JSONEachRow by the same number of clients in the same batch size. ClickHouse acknowledges an
/// insert before fsync, keeps DateTime in whole seconds and does not deduplicate by key; Mallard
/// commits durably and drops records whose key it already holds.
/// </summary>
public static partial class ClickHouseReference
{
    /// <summary>The page_views table, ordered by its key as Mallard indexes it.</summary>
    public const string Ddl = "CREATE TABLE page_views (event_id UUID, ts DateTime, user_id String, page String, country Nullable(String), duration_ms Int32, bytes Int64, revenue Nullable(Decimal(12,2)), bot UInt8, score Nullable(Float64), day Date) ENGINE = MergeTree PARTITION BY day ORDER BY event_id";

    /// <summary>
    /// Rewrites a Mallard NDJSON body into what ClickHouse 18.16 parses: timestamps cut to whole
    /// seconds without the zone designator, decimals as JSON numbers (int64 strings and JSON
    /// booleans it reads as they are).
    /// </summary>
    public static byte[] ToJsonEachRow(byte[] ndjson)
    {
        var text = Encoding.UTF8.GetString(ndjson);
        text = Timestamp().Replace(text, "\"ts\":\"$1 $2\"");
        text = Revenue().Replace(text, "\"revenue\":$1");
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>Posts batches from <paramref name="clients"/> clients for <paramref name="duration"/>, as Mallard's load does.</summary>
    internal static (double RowsPerSecond, double P50, double P99, int Failures) Ingest(PrivateClickHouse server, IngestBenchmark.PayloadTemplate template, int clients, TimeSpan duration)
    {
        var result = IngestBenchmark.RunLoad(server.Http.BaseAddress!.ToString(), template, "ndjson", clients, duration, path: PrivateClickHouse.InsertPath("page_views"));
        if (result.Failures > 0)
        {
            Console.Error.WriteLine($"ClickHouse refused {result.Failures} insert(s), the last: {IngestBenchmark.LastRefusal}");
        }

        return result;
    }

    [GeneratedRegex("\"ts\":\"(\\d{4}-\\d\\d-\\d\\d)T(\\d\\d:\\d\\d:\\d\\d)(?:\\.\\d+)?Z\"")]
    private static partial Regex Timestamp();

    [GeneratedRegex("\"revenue\":\"(-?[0-9.]+)\"")]
    private static partial Regex Revenue();
}
