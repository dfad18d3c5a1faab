using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DuckDB.NET.Data;

namespace Mallard.Bench;

/// <summary>
/// <c>bench -- all [--quick]</c>: ingest matrix, the reference systems, overload and queries, printed
/// and written into BENCHMARKS.md between <c>&lt;!-- bench:all --&gt;</c> markers.
/// </summary>
public static class FullBenchmark
{
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var root = IngestBenchmark.FindRoot();
        var report = new List<string>
        {
            $"Run: `dotnet run -c Release --project bench -- all{(quick ? " --quick" : "")}` on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.",
            "",
            "### 1. Ingest through the gateway (durable commits, unique event ids)",
            "",
        };
        double mallard;
        using (var cluster = MallardCluster.Start(Path.Combine(root, "schema.yaml")))
        {
            report.AddRange(IngestBenchmark.Matrix(cluster, quick, quick ? 3 : 10, out mallard));
        }

        Flush(report);
        report.AddRange(["", "### 2. Head to head with ClickHouse: the same rows, steady state", ""]);
        report.AddRange(HeadToHeadBenchmark.Table(quick, quick ? 5 : 30, out _));
        Flush(report);

        // The references and the overload compare with the steady-state rate, not the matrix's
        // (whose first seconds include the hosts' warm-up).
        mallard = HeadToHeadBenchmark.Plain;
        var rows = quick ? 200_000 : 1_000_000;
        var appender = ReferenceBenchmarks.AppenderDirect(rows);
        var baseline = ReferenceBenchmarks.SharedLockBaseline(4, TimeSpan.FromSeconds(quick ? 3 : 10), 10_000);
        var postgres = ReferenceBenchmarks.PostgresCopy(rows);
        report.AddRange(
        [
            "",
            "### 3. References on the same rows (Mallard: NDJSON, 10,000-row batches, 4 clients, steady state from section 2)",
            "",
            "| system | rows/s | Mallard ÷ it |",
            "|---|---:|---:|",
            Row("Mallard through the gateway", mallard, mallard),
            Row($"DuckDB.NET Appender into one file ({rows:N0} rows, a transaction per 10,000)", appender, mallard),
            Row("shared-lock baseline: one ASP.NET process, same validation, one DuckDB file behind a lock", baseline.RowsPerSecond, mallard),
            postgres is { } pg ? Row($"PostgreSQL COPY FROM STDIN, CSV ({rows:N0} rows, local server)", pg, mallard) : "| PostgreSQL COPY | not installed (`apt-get install -y postgresql`) | |",
        ]);
        Flush(report);
        report.AddRange(Overload(quick, mallard));
        Flush(report);
        report.AddRange(Queries(quick, root));
        Flush(report);
        WriteBenchmarksFile(root, report);
        return 0;
    }

    /// <summary><c>bench -- queries [--quick]</c>: section 5 alone (10,000,000 rows, 1,000,000 with --quick), printed only.</summary>
    public static int RunQueries(string[] args)
    {
        foreach (var line in Queries(args.Contains("--quick"), IngestBenchmark.FindRoot()))
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    // Open loop: requests are launched at a fixed rate, 10× what the cluster sustained, whether or
    // not earlier ones have finished, as independent clients would.
    private static IEnumerable<string> Overload(bool quick, double sustainable)
    {
        var seconds = quick ? 5 : 30;
        var perSecond = Math.Max(1, 10 * sustainable / 10_000);
        using var cluster = MallardCluster.Start(Path.Combine(IngestBenchmark.FindRoot(), "schema.yaml"));
        var template = IngestBenchmark.PayloadTemplate.Create(10_000, ndjson: true);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = new Uri(cluster.Gateway), Timeout = TimeSpan.FromSeconds(120) };
        var statuses = new Dictionary<int, int>();
        var resets = 0;
        var accepted = new List<double>();
        var refusalMs = new List<double>();
        var inFlight = new List<Task>();
        var stopwatch = Stopwatch.StartNew();
        var launched = 0;
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var due = (int)(stopwatch.Elapsed.TotalSeconds * perSecond);
            for (; launched < due; launched++)
            {
                var client = launched % 200;
                var body = template.Next();
                inFlight.Add(Task.Run(async () =>
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/datasets/page_views/records") { Content = content };
                    request.Headers.Add("X-Client-Id", $"client-{client}");
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await http.SendAsync(request);
                        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        lock (statuses)
                        {
                            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                            (response.StatusCode == HttpStatusCode.OK ? accepted : refusalMs).Add(elapsed);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref resets);
                    }
                }));
            }

            Thread.Sleep(5); // pacing the open-loop launcher
        }

        Task.WaitAll(inFlight);
        var total = statuses.Values.Sum();
        accepted.Sort();
        refusalMs.Sort();
        var refused = statuses.Where(s => s.Key is 429 or 503).Sum(s => s.Value);
        return
        [
            "",
            string.Create(CultureInfo.InvariantCulture, $"### 4. Overload: {perSecond:F0} requests/s of 10,000 rows for {seconds} s, open loop (10× the sustained {sustainable:N0} rows/s)"),
            "",
            "| requests | 200 | 429/503 share | 500 | connection resets | p99 of accepted ms | p99 of refusals ms | silo peak RSS MiB | api peak RSS MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            string.Create(CultureInfo.InvariantCulture,
                $"| {total + resets} | {statuses.GetValueOrDefault(200)} | {(total == 0 ? 0 : 100.0 * refused / total):F1}% | {statuses.GetValueOrDefault(500)} | {resets} | {P99(accepted):F1} | {P99(refusalMs):F1} | {IngestBenchmark.PeakRssMiB(cluster.Silo):N0} | {IngestBenchmark.PeakRssMiB(cluster.Api):N0} |"),
            $"Other statuses: {(statuses.Any(s => s.Key is not (200 or 429 or 503 or 500)) ? string.Join(", ", statuses.Where(s => s.Key is not (200 or 429 or 503 or 500)).Select(s => $"{s.Key}×{s.Value}")) : "none")}.",
        ];
    }

    private static double P99(List<double> sorted) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * 0.99))];

    private static IEnumerable<string> Queries(bool quick, string root)
    {
        var rows = quick ? 1_000_000 : 10_000_000;
        var schema = Path.Combine(Path.GetTempPath(), $"mallard-bench-16-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(schema, File.ReadAllText(Path.Combine(root, "schema.yaml")).Replace("partitions: 8", "partitions: 16", StringComparison.Ordinal));
        var single = Path.Combine(Path.GetTempPath(), $"mallard-bench-single-{Guid.NewGuid():N}.duckdb");
        try
        {
            using var cluster = MallardCluster.Start(schema, "--Mallard:Shards:MemoryBudgetMb=8192");
            var template = IngestBenchmark.PayloadTemplate.Create(10_000, ndjson: true);
            var loaded = 0L;
            using (var http = new HttpClient { BaseAddress = new Uri(cluster.Gateway), Timeout = TimeSpan.FromMinutes(2) })
            {
                var bodies = new List<byte[]>();
                Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
                {
                    while (Interlocked.Add(ref loaded, 10_000) <= rows)
                    {
                        byte[] body;
                        lock (template)
                        {
                            body = template.Next();
                        }

                        PostUntilAccepted(http, body);
                        lock (bodies)
                        {
                            bodies.Add(body);
                        }
                    }
                });

                using var connection = new DuckDBConnection($"Data Source={single}");
                connection.Open();
                ReferenceBenchmarks.Execute(connection, "SET threads = 2");
                ReferenceBenchmarks.Execute(connection, "CREATE TABLE page_views (event_id UUID, ts TIMESTAMP, user_id VARCHAR, page VARCHAR, country VARCHAR, duration_ms INTEGER, bytes BIGINT, revenue DECIMAL(12,2), bot BOOLEAN, score DOUBLE, day DATE)");
                foreach (var body in bodies)
                {
                    var file = Path.GetTempFileName();
                    File.WriteAllBytes(file, body);
                    ReferenceBenchmarks.Execute(connection, $"INSERT INTO page_views SELECT * FROM read_json('{file}', format = 'newline_delimited', columns = {{event_id: 'UUID', ts: 'TIMESTAMP', user_id: 'VARCHAR', page: 'VARCHAR', country: 'VARCHAR', duration_ms: 'INTEGER', bytes: 'BIGINT', revenue: 'DECIMAL(12,2)', bot: 'BOOLEAN', score: 'DOUBLE', day: 'DATE'}})");
                    File.Delete(file);
                }

                using var clickHouse = PrivateClickHouse.TryStart();
                clickHouse?.Query(ClickHouseReference.Ddl);
                if (clickHouse is not null)
                {
                    Parallel.ForEach(bodies, new ParallelOptions { MaxDegreeOfParallelism = 4 }, body =>
                    {
                        using var content = new ByteArrayContent(ClickHouseReference.ToJsonEachRow(body));
                        using var response = clickHouse.Http.PostAsync(PrivateClickHouse.InsertPath("page_views"), content).GetAwaiter().GetResult();
                        response.EnsureSuccessStatusCode();
                    });
                    clickHouse.Query("OPTIMIZE TABLE page_views FINAL");
                }

                var someId = Encoding.UTF8.GetString(bodies[bodies.Count / 2], bodies[bodies.Count / 2].AsSpan().IndexOf("\"event_id\":\""u8) + 12, 36);
                var queries = new (string Name, string Mallard, string Sql)[]
                {
                    ("count", """{"aggregates":[{"fn":"count","as":"n"}]}""", "SELECT count(*) FROM page_views"),
                    ("group-by", """{"groupBy":["page"],"aggregates":[{"fn":"count","as":"views"},{"fn":"avg","column":"duration_ms","as":"avg_ms"}]}""",
                        "SELECT page, count(*) AS \"views\", avg(duration_ms) AS avg_ms FROM page_views GROUP BY page"),
                    ("filtered group-by", """{"filter":[{"column":"country","op":"eq","value":"DE"}],"groupBy":["page"],"aggregates":[{"fn":"count","as":"views"},{"fn":"sum","column":"duration_ms","as":"total_ms"}],"orderBy":[{"column":"views","desc":true}]}""",
                        "SELECT page, count(*) AS \"views\", sum(duration_ms) AS total_ms FROM page_views WHERE country = 'DE' GROUP BY page ORDER BY \"views\" DESC"),
                    ("top-10", """{"select":["event_id","bytes"],"orderBy":[{"column":"bytes","desc":true}],"limit":10}""", "SELECT event_id, bytes FROM page_views ORDER BY bytes DESC LIMIT 10"),
                    ("point lookup by key", $$"""{"filter":[{"column":"event_id","op":"eq","value":"{{someId}}"}]}""", $"SELECT * FROM page_views WHERE event_id = '{someId}'"),
                };
                var lines = new List<string>
                {
                    "",
                    $"### 5. Queries over {rows:N0} rows: Mallard with 16 partitions vs one DuckDB file (2 threads) and ClickHouse over HTTP, median of 5",
                    "",
                    clickHouse is null ? "ClickHouse is not installed (`apt-get install -y clickhouse-server`): its column is empty." : $"ClickHouse {clickHouse.Version}: the same rows (timestamps in whole seconds), MergeTree ordered by event_id, merged (`OPTIMIZE … FINAL`) before timing; answers as `FORMAT JSON` over HTTP, as Mallard answers JSON.",
                    "",
                    "| query | Mallard ms | single file ms | ClickHouse ms | Mallard ÷ single file | Mallard ÷ ClickHouse |",
                    "|---|---:|---:|---:|---:|---:|",
                };
                foreach (var (name, json, sql) in queries)
                {
                    var mallardMs = Median(() => PostQuery(http, json));
                    var singleMs = Median(() =>
                    {
                        using var command = connection.CreateCommand();
                        command.CommandText = sql;
                        using var reader = command.ExecuteReader();
                        while (reader.Read())
                        {
                        }
                    });
                    // ClickHouse 18.16 compares a UUID with a string literal only through toUUID.
                    var clickHouseSql = sql.Replace($"'{someId}'", $"toUUID('{someId}')", StringComparison.Ordinal) + " FORMAT JSON";
                    var clickHouseMs = clickHouse is null ? double.NaN : Median(() => clickHouse.Query(clickHouseSql));
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {mallardMs:F1} | {singleMs:F1} | {clickHouseMs:F1} | {mallardMs / singleMs:F2} | {(clickHouse is null ? "" : (mallardMs / clickHouseMs).ToString("F2", CultureInfo.InvariantCulture))} |"));
                }

                return lines;
            }
        }
        finally
        {
            File.Delete(schema);
            File.Delete(single);
            File.Delete(single + ".wal");
        }
    }

    private static void PostUntilAccepted(HttpClient http, byte[] body)
    {
        while (true)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = http.PostAsync("/v1/datasets/page_views/records", content).GetAwaiter().GetResult();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            Thread.Sleep(100); // the server asked us to back off (Retry-After)
        }
    }

    private static void PostQuery(HttpClient http, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = http.PostAsync("/v1/datasets/page_views/query", content).GetAwaiter().GetResult();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"query failed: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
        }
    }

    private static double Median(Action action)
    {
        action();
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        times.Sort();
        return times[2];
    }

    private static string Row(string system, double rowsPerSecond, double mallard) =>
        string.Create(CultureInfo.InvariantCulture, $"| {system} | {rowsPerSecond:N0} | {mallard / rowsPerSecond:F2} |");

    private static int _printed;

    private static void Flush(List<string> report)
    {
        foreach (var line in report.Skip(_printed))
        {
            Console.WriteLine(line);
        }

        _printed = report.Count;
    }

    private static void WriteBenchmarksFile(string root, List<string> report) => Sections.Write(root, "all", report, "Full run");
}
