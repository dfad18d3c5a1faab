using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Bench;

/// <summary>
/// Moves one large partition between two silos while ingest runs on other partitions. Two silo
/// processes and a gateway in PostgreSQL mode on a private server; page_views partition 7 is
/// filled with <c>--rows</c> rows on silo 0 before it starts; the cluster starts with silo 0
/// alone (so it owns all 8 partitions), then silo 1 joins and a rebalance moves partitions 4–7
/// to it. The load (4 clients, 1,000-row NDJSON batches) only touches partitions 0–3, which stay
/// on silo 0: its throughput and p99 before and during the plan are "the other partitions".
/// </summary>
public static class RebalanceBenchmark
{
    private const int BigPartition = 7;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var rowsAt = Array.IndexOf(args, "--rows");
        var rows = rowsAt >= 0 ? long.Parse(args[rowsAt + 1], CultureInfo.InvariantCulture) : quick ? 500_000 : 10_000_000;
        using var postgres = PrivatePostgres.TryStart();
        if (postgres is null)
        {
            Console.WriteLine("# rebalance: skipped (PostgreSQL is not installed)");
            return 0;
        }

        var root = IngestBenchmark.FindRoot();
        var schema = Path.Combine(root, "schema.yaml");
        var contract = ContractLoader.LoadFile(schema);
        var dataset = contract.Datasets["page_views"];
        var data = Path.Combine(Path.GetTempPath(), $"mallard-rebalance-{Guid.NewGuid():N}");
        var processes = new List<Process>();
        try
        {
            var filling = Stopwatch.StartNew();
            var shardBytes = Fill(Path.Combine(data, "silo-0"), contract, dataset, rows);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# rebalance: partition {BigPartition} holds {rows:N0} rows, {shardBytes / 1e6:N0} MB (filled in {filling.Elapsed.TotalSeconds:F0} s); {Environment.ProcessorCount} cores, loopback"));

            var apiPort = IngestBenchmark.FreePort();
            string[] common = [$"--Mallard:Schema={schema}", "--Mallard:Cluster:Mode=PostgreSql", $"--Mallard:Cluster:PostgreSql={postgres.ConnectionString}",
                $"--Mallard:Cluster:ClusterId=bench-{Guid.NewGuid():N}", "--Mallard:Cluster:AutoRebalance=false", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Mallard.Grains.Moves=Information"];
            processes.Add(StartSilo(0, data, common));
            var api = IngestBenchmark.Start(Path.Combine(root, "Api/bin/Release/net10.0/Mallard.Api.dll"), [.. common, $"--urls=http://127.0.0.1:{apiPort}"]);
            processes.Add(api);
            var gateway = $"http://127.0.0.1:{apiPort}";
            IngestBenchmark.WaitFor($"{gateway}/readyz", api);
            using var http = new HttpClient { BaseAddress = new Uri(gateway), Timeout = TimeSpan.FromSeconds(60) };

            // The first use assigns every partition to silo 0, the only active ordinal.
            var template = IngestBenchmark.PayloadTemplate.Create(1_000, ndjson: true, user => PartitionOf(dataset, user) < 4);
            IngestBenchmark.RunLoad(gateway, template, "ndjson", 1, TimeSpan.FromSeconds(1));
            processes.Add(StartSilo(1, data, common));
            WaitUntil(() => http.GetStringAsync("/readyz").Result.Contains("ready: 2 silo", StringComparison.Ordinal));

            // Before and during are measured alike: consecutive 2 s windows of the same load, the
            // p99 over every batch and the worst window's p99.
            var seconds = quick ? 6 : 16;
            var before = Measure(gateway, template, () => seconds-- > 0 ? 1 : 0);

            var started = Stopwatch.StartNew();
            Post(http, "/v1/cluster/rebalance", null);
            var planRunning = 1;
            var load = Task.Run(() => Measure(gateway, template, () => Volatile.Read(ref planRunning)));
            var moves = WaitForPlan(http);
            var planTime = started.Elapsed;
            Volatile.Write(ref planRunning, 0);
            var during = load.Result;

            // The same partition moves back with no ingest running: what the transfer does with the cores to itself.
            Post(http, "/v1/cluster/drain", new StringContent("{\"ordinal\":1}", System.Text.Encoding.UTF8, "application/json"));
            var back = WaitForPlan(http);

            Console.WriteLine();
            Console.WriteLine("| measure | value |");
            Console.WriteLine("|---|---:|");
            MoveRows("under ingest", moves);
            MoveRows("no ingest running, moved back", back);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| whole plan (4 moves) | {planTime.TotalSeconds:F1} s, {moves.GetProperty("failed").GetArrayLength()} failed |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| other partitions before: rows/s, p99, worst 2 s window p99 | {before.RowsPerSecond:N0}, {before.P99:F0} ms, {before.WorstWindowP99:F0} ms |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| other partitions during: rows/s, p99, worst 2 s window p99 | {during.RowsPerSecond:N0}, {during.P99:F0} ms ({during.P99 / Math.Max(1, before.P99):F2}× before; target ≤ 1.5×), {during.WorstWindowP99:F0} ms ({during.WorstWindowP99 / Math.Max(1, before.WorstWindowP99):F2}×) |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| non-200 answers before / during | {before.Failures} / {during.Failures} |"));
            return 0;
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit();
                }

                process.Dispose();
            }

            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private readonly record struct LoadWindow(double RowsPerSecond, double P99, double WorstWindowP99, int Failures);

    // Runs 2 s windows of 4-client load while windows() answers non-zero.
    private static LoadWindow Measure(string gateway, IngestBenchmark.PayloadTemplate template, Func<int> windows)
    {
        var latencies = new List<double>();
        var results = new List<(double RowsPerSecond, double P50, double P99, int Failures)>();
        while (windows() != 0)
        {
            results.Add(IngestBenchmark.RunLoad(gateway, template, "ndjson", 4, TimeSpan.FromSeconds(2), latencies));
        }

        latencies.Sort();
        return results.Count == 0 ? default
            : new LoadWindow(results.Average(r => r.RowsPerSecond), IngestBenchmark.Percentile(latencies, 0.99), results.Max(r => r.P99), results.Sum(r => r.Failures));
    }

    private static void Post(HttpClient http, string route, HttpContent? body)
    {
        using var response = http.PostAsync(route, body).Result;
        response.EnsureSuccessStatusCode();
    }

    private static JsonElement WaitForPlan(HttpClient http)
    {
        while (true)
        {
            var moves = JsonDocument.Parse(http.GetStringAsync("/v1/cluster").Result).RootElement.GetProperty("moves");
            if (!moves.GetProperty("plan").GetProperty("running").GetBoolean())
            {
                return moves;
            }

            Thread.Sleep(200);
        }
    }

    private static void MoveRows(string when, JsonElement moves)
    {
        var big = moves.GetProperty("completed").EnumerateArray().FirstOrDefault(m => m.GetProperty("partition").GetInt32() == BigPartition);
        if (big.ValueKind != JsonValueKind.Object)
        {
            Console.WriteLine($"| partition {BigPartition}, {when}: move | did not complete: {moves} |");
            return;
        }

        var bytes = big.GetProperty("totalBytes").GetInt64();
        var elapsedMs = big.GetProperty("elapsedMs").GetDouble();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| partition {BigPartition}, {when}: image, move time (start to switch) | {bytes / 1e6:N0} MB, {elapsedMs / 1000:F1} s |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| partition {BigPartition}, {when}: move rate | {bytes / 1e6 / (elapsedMs / 1000):N0} MB/s (target ≥ 200) |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| partition {BigPartition}, {when}: writes refused (seal to switch) | {big.GetProperty("writeUnavailableMs").GetDouble():N0} ms (target ≤ 1,000) |"));
    }

    private static Process StartSilo(int ordinal, string data, string[] common)
    {
        var http = IngestBenchmark.FreePort();
        var silo = IngestBenchmark.Start(
            Path.Combine(IngestBenchmark.FindRoot(), "Silo/bin/Release/net10.0/Mallard.Silo.dll"),
            [.. common, $"--Mallard:Cluster:Ordinal={ordinal}", $"--Mallard:Cluster:SiloPort={IngestBenchmark.FreePort()}", $"--Mallard:Cluster:GatewayPort={IngestBenchmark.FreePort()}",
                $"--Mallard:Silo:HttpPort={http}", $"--Mallard:Shards:DataDirectory={Path.Combine(data, $"silo-{ordinal}")}"]);
        IngestBenchmark.WaitFor($"http://127.0.0.1:{http}/healthz", silo);
        return silo;
    }

    // Creates the big partition's shard through the shard catalog (tables, identity, key index),
    // then fills it with generated rows in DuckDB itself: minutes of gateway ingest in seconds.
    private static long Fill(string folder, ContractDefinition contract, DatasetDefinition dataset, long rows)
    {
        var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = folder }), contract);
        using (catalog.Open(dataset, BigPartition))
        {
        }

        var path = catalog.PathOf(dataset.Name, BigPartition);
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO page_views (event_id, ts, user_id, page, country, duration_ms, bytes, revenue, bot, score, day)
            SELECT uuid(), TIMESTAMP '2026-01-01' + to_microseconds(i * 997), 'user-' || (i % 100000), '/page/' || (i % 50),
                   CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN 'DE' WHEN 2 THEN 'FR' WHEN 3 THEN 'US' ELSE 'JP' END,
                   (i % 600000)::INTEGER, i * 7919, CASE WHEN i % 4 = 0 THEN NULL ELSE ((i % 1000000) / 100)::DECIMAL(12,2) END,
                   i % 10 = 0, CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 1000) / 1000.0 END, DATE '2026-01-01' + (i % 300)::INTEGER
            FROM range({rows}) t(i);
            CHECKPOINT;
            """);
        command.ExecuteNonQuery();
        return new FileInfo(path).Length;
    }

    private static int PartitionOf(DatasetDefinition dataset, string user)
    {
        var columns = new ColumnVector[dataset.Columns.Count];
        dataset.TryGetColumn("user_id", out var userId);
        columns[userId.Ordinal] = new ColumnVector { Kind = ColumnKind.String, Count = 1, Strings = [user] };
        return PartitionHasher.PartitionOf(dataset, columns, 0);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the cluster did not form");
            }

            Thread.Sleep(100);
        }
    }
}
