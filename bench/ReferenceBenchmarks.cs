using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using DuckDB.NET.Data;
using Mallard.Api.Ingest;
using Mallard.Contract;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mallard.Bench;

/// <summary>What Mallard is compared with, on the same rows.</summary>
public static class ReferenceBenchmarks
{
    private const string Ddl = "CREATE TABLE page_views (event_id UUID, ts TIMESTAMP, user_id VARCHAR, page VARCHAR, country VARCHAR, duration_ms INTEGER, bytes BIGINT, revenue DECIMAL(12,2), bot BOOLEAN, score DOUBLE, day DATE)";

    /// <summary>DuckDB.NET's Appender straight into one file, a committed transaction per 10,000 rows.</summary>
    public static double AppenderDirect(int rows)
    {
        var file = Path.Combine(Path.GetTempPath(), $"mallard-ref-{Guid.NewGuid():N}.duckdb");
        try
        {
            var batches = Batches(rows);
            using var connection = new DuckDBConnection($"Data Source={file}");
            connection.Open();
            Execute(connection, Ddl);
            var stopwatch = Stopwatch.StartNew();
            foreach (var batch in batches)
            {
                using var transaction = connection.BeginTransaction();
                AppendAll(connection, batch);
                transaction.Commit();
            }

            return rows / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".wal");
        }
    }

    /// <summary>
    /// The design Mallard's actors replace: one ASP.NET process, the same validation, and every
    /// request appending to a single DuckDB file behind one lock. Driven by the same load as Mallard.
    /// </summary>
    public static (double RowsPerSecond, double P50, double P99) SharedLockBaseline(int clients, TimeSpan duration, int batchRows)
    {
        var file = Path.Combine(Path.GetTempPath(), $"mallard-ref-{Guid.NewGuid():N}.duckdb");
        var port = IngestBenchmark.FreePort();
        var contract = ContractLoader.LoadFile(Path.Combine(IngestBenchmark.FindRoot(), "schema.yaml"));
        var dataset = contract.Datasets["page_views"];
        using var connection = new DuckDBConnection($"Data Source={file}");
        connection.Open();
        Execute(connection, Ddl);
        var gate = new Lock();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 256L * 1024 * 1024);
        var app = builder.Build();
        app.MapPost("/v1/datasets/page_views/records", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var decoded = new RecordDecoder(dataset, 100_000, 100).Decode(body.GetBuffer().AsSpan(0, (int)body.Length), BodyFormat.NdJson);
            if (decoded.TotalErrors > 0 || decoded.MalformedBody is not null)
            {
                return Results.StatusCode(422);
            }

            lock (gate)
            {
                using var transaction = connection.BeginTransaction();
                using (var appender = connection.CreateAppender("page_views"))
                {
                    for (var row = 0; row < decoded.RecordCount; row++)
                    {
                        var appenderRow = appender.CreateRow();
                        foreach (var column in decoded.Columns)
                        {
                            AppendBoxed(appenderRow, column.Kind, column.GetValue(row));
                        }

                        appenderRow.EndRow();
                    }
                }

                transaction.Commit();
            }

            return Results.Ok();
        });
        app.StartAsync().GetAwaiter().GetResult();
        try
        {
            var template = IngestBenchmark.PayloadTemplate.Create(batchRows, ndjson: true);
            var result = IngestBenchmark.RunLoad($"http://127.0.0.1:{port}", template, "ndjson", clients, duration);
            return (result.RowsPerSecond, result.P50, result.P99);
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
            File.Delete(file);
            File.Delete(file + ".wal");
        }
    }

    /// <summary>PostgreSQL <c>COPY … FROM STDIN</c> (CSV) into a private local server, or null when PostgreSQL is not installed.</summary>
    public static double? PostgresCopy(int rows)
    {
        using var postgres = PrivatePostgres.TryStart();
        if (postgres is null)
        {
            return null;
        }

        using var connection = new NpgsqlConnection(postgres.ConnectionString);
        connection.Open();
        using (var create = new NpgsqlCommand("CREATE TABLE page_views (event_id uuid, ts timestamp, user_id text, page text, country text, duration_ms int, bytes bigint, revenue numeric(12,2), bot boolean, score double precision, day date)", connection))
        {
            create.ExecuteNonQuery();
        }

        var csv = Batches(rows).Select(ToCsv).ToList();
        var stopwatch = Stopwatch.StartNew();
        foreach (var chunk in csv)
        {
            using var writer = connection.BeginTextImport("COPY page_views FROM STDIN (FORMAT csv)");
            writer.Write(chunk);
        }

        return rows / stopwatch.Elapsed.TotalSeconds;
    }

    internal static List<List<object?[]>> Batches(int rows)
    {
        var random = new Random(11);
        string[] pages = ["/home", "/search", "/cart", "/checkout", "/help", "/about"];
        string?[] countries = ["DE", "FR", "US", "JP", null];
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var batches = new List<List<object?[]>>();
        for (var first = 0; first < rows; first += 10_000)
        {
            var batch = new List<object?[]>(10_000);
            for (var i = first; i < Math.Min(rows, first + 10_000); i++)
            {
                var ts = start.AddMicroseconds(random.NextInt64(0, 300L * 86_400_000_000L));
                batch.Add([Guid.NewGuid(), ts, $"user-{random.Next(100_000)}", pages[random.Next(pages.Length)], countries[random.Next(countries.Length)],
                    random.Next(600_000), random.NextInt64(5_000_000_000), random.Next(4) == 0 ? null : random.Next(10_000_000) / 100m,
                    random.Next(10) == 0, random.Next(3) == 0 ? null : random.NextDouble(), DateOnly.FromDateTime(ts)]);
            }

            batches.Add(batch);
        }

        return batches;
    }

    internal static void AppendAll(DuckDBConnection connection, List<object?[]> batch)
    {
        using var appender = connection.CreateAppender("page_views");
        foreach (var values in batch)
        {
            var row = appender.CreateRow();
            row.AppendValue((Guid?)values[0]).AppendValue((DateTime?)values[1]).AppendValue((string?)values[2]).AppendValue((string?)values[3]).AppendValue((string?)values[4])
                .AppendValue((int?)values[5]).AppendValue((long?)values[6]).AppendValue((decimal?)values[7]).AppendValue((bool?)values[8]).AppendValue((double?)values[9])
                .AppendValue((DateTime?)((DateOnly)values[10]!).ToDateTime(TimeOnly.MinValue)).EndRow();
        }
    }

    internal static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void AppendBoxed(DuckDB.NET.Data.IDuckDBAppenderRow row, ColumnKind kind, object? value)
    {
        switch (value)
        {
            case null: row.AppendNullValue(); break;
            case string s: row.AppendValue(s); break;
            case bool b: row.AppendValue((bool?)b); break;
            case int i when kind == ColumnKind.Date: row.AppendValue((DateTime?)ValueText.DateToDateOnly(i).ToDateTime(TimeOnly.MinValue)); break;
            case int i: row.AppendValue((int?)i); break;
            case long l when kind == ColumnKind.Timestamp: row.AppendValue((DateTime?)ValueText.TimestampToDateTime(l)); break;
            case long l: row.AppendValue((long?)l); break;
            case double d: row.AppendValue((double?)d); break;
            case decimal m: row.AppendValue((decimal?)m); break;
            case Guid g: row.AppendValue((Guid?)g); break;
        }
    }

    private static string ToCsv(List<object?[]> batch)
    {
        var text = new StringBuilder(batch.Count * 160);
        foreach (var values in batch)
        {
            text.AppendJoin(',', values.Select(v => v switch
            {
                null => "",
                DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
                DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                bool b => b ? "t" : "f",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => other.ToString(),
            })).Append('\n');
        }

        return text.ToString();
    }
}
