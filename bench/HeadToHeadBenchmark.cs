using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;

namespace Mallard.Bench;

/// <summary>
/// <c>bench -- clickhouse [--quick] [--seconds N]</c>: Mallard's gateway against ClickHouse on the
/// same rows in steady state (a warm-up first, not counted): NDJSON plain and gzipped, and
/// ClickHouse's JSONEachRow, 10,000-row batches, 4 clients; with Mallard's CPU and page faults
/// per row for the silo and the gateway.
/// </summary>
public static class HeadToHeadBenchmark
{
    private const int Clients = 4;
    private const int BatchRows = 10_000;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var secondsIndex = Array.IndexOf(args, "--seconds");
        var seconds = secondsIndex >= 0 ? int.Parse(args[secondsIndex + 1], CultureInfo.InvariantCulture) : quick ? 5 : 30;
        foreach (var line in Table(quick, seconds, out _, plainOnly: args.Contains("--plain-only"), arrowOnly: args.Contains("--arrow-only")))
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    /// <summary>The section for <c>bench -- all</c>; <paramref name="ratio"/> is Mallard NDJSON ÷ ClickHouse (NaN without ClickHouse).</summary>
    public static List<string> Table(bool quick, int seconds, out double ratio, bool plainOnly = false, bool arrowOnly = false)
    {
        var warmUp = TimeSpan.FromSeconds(quick ? 2 : 10);
        var measure = TimeSpan.FromSeconds(seconds);
        var template = IngestBenchmark.PayloadTemplate.Create(BatchRows, ndjson: true);
        var lines = new List<string>
        {
            $"Steady state: {warmUp.TotalSeconds:0} s of warm-up not counted, then {measure.TotalSeconds:0} s measured; 10,000-row batches, {Clients} clients, each system and each Mallard variant on its own fresh data folder.",
            "",
            "| system | rows/s | batch p50 ms | batch p99 ms | refused | silo µs/row | gateway µs/row | silo faults/1k rows | gateway faults/1k rows | Mallard NDJSON ÷ it |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        Measurement plain;
        Measurement gzip;
        Measurement columnar;
        // Each variant on a fresh cluster: a shard's key index grows with it, and a later run on
        // the same shards would pay for the rows the earlier ones left.
        var schema = Path.Combine(IngestBenchmark.FindRoot(), "schema.yaml");
        if (arrowOnly)
        {
            // For comparing builds on the columnar path alone: enough bodies for 1M rows/s.
            columnar = MeasureArrow(schema, template, warmUp, measure, 1_000_000);
            lines.Add(columnar.Row("Mallard, Arrow IPC stream (bodies written before the run)", columnar.RowsPerSecond));
            ratio = double.NaN;
            return lines;
        }

        using (var cluster = MallardCluster.Start(schema))
        {
            IngestBenchmark.RunLoad(cluster.Gateway, template, "ndjson", Clients, warmUp);
            plain = Measure(cluster, () => IngestBenchmark.RunLoad(cluster.Gateway, template, "ndjson", Clients, measure));
        }

        if (plainOnly)
        {
            lines.Add(plain.Row("Mallard, NDJSON (durable commits, exact key dedup)", plain.RowsPerSecond));
            ratio = double.NaN;
            return lines;
        }

        var compressed = CompressedBodies(template, plain.RowsPerSecond * (warmUp + measure).TotalSeconds * 2 / BatchRows);
        var next = -1;
        var pool = () => compressed[Interlocked.Increment(ref next) % compressed.Length];
        using (var cluster = MallardCluster.Start(schema))
        {
            IngestBenchmark.RunLoad(cluster.Gateway, template, "ndjson", Clients, warmUp, bodies: pool, encoding: "gzip");
            gzip = Measure(cluster, () => IngestBenchmark.RunLoad(cluster.Gateway, template, "ndjson", Clients, measure, bodies: pool, encoding: "gzip"));
        }

        if (next >= compressed.Length)
        {
            lines.Insert(0, $"(the {compressed.Length} pre-compressed bodies ran out and were sent again: part of the gzip run was duplicates)");
        }

        compressed = [];
        columnar = MeasureArrow(schema, template, warmUp, measure, Math.Max(plain.RowsPerSecond, gzip.RowsPerSecond), lines);

        lines.Add(plain.Row("Mallard, NDJSON (durable commits, exact key dedup)", plain.RowsPerSecond));
        lines.Add(gzip.Row("Mallard, NDJSON with Content-Encoding: gzip (bodies compressed before the run)", plain.RowsPerSecond));
        lines.Add(columnar.Row("Mallard, Arrow IPC stream (bodies written before the run)", plain.RowsPerSecond));
        Columnar = columnar.RowsPerSecond;
        Plain = plain.RowsPerSecond;
        using var clickHouse = PrivateClickHouse.TryStart();
        if (clickHouse is null)
        {
            lines.Add("| ClickHouse | not installed (`apt-get install -y clickhouse-server`) | | | | | | | | |");
            ratio = double.NaN;
            return lines;
        }

        clickHouse.Query(ClickHouseReference.Ddl);
        var rows = template.Map(ClickHouseReference.ToJsonEachRow);
        ClickHouseReference.Ingest(clickHouse, rows, Clients, warmUp);
        var peer = ClickHouseReference.Ingest(clickHouse, rows, Clients, measure);
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"| ClickHouse {clickHouse.Version} over HTTP, JSONEachRow (acknowledges before fsync; DateTime in whole seconds; no key dedup) | {peer.RowsPerSecond:N0} | {peer.P50:F1} | {peer.P99:F1} | {peer.Failures} | | | | | **{plain.RowsPerSecond / peer.RowsPerSecond:F2}** |"));
        ratio = plain.RowsPerSecond / peer.RowsPerSecond;
        return lines;
    }

    private static Measurement MeasureArrow(string schema, IngestBenchmark.PayloadTemplate template, TimeSpan warmUp, TimeSpan measure, double expectedRowsPerSecond, List<string>? notes = null)
    {
        var arrow = ArrowStreams(new ArrowBodies(template), expectedRowsPerSecond * (warmUp + measure).TotalSeconds * 2 / BatchRows);
        var nextArrow = -1;
        var arrowPool = () => arrow[Interlocked.Increment(ref nextArrow) % arrow.Length];
        Measurement columnar;
        using (var cluster = MallardCluster.Start(schema))
        {
            IngestBenchmark.RunLoad(cluster.Gateway, template, "arrow", Clients, warmUp, bodies: arrowPool);
            columnar = Measure(cluster, () => IngestBenchmark.RunLoad(cluster.Gateway, template, "arrow", Clients, measure, bodies: arrowPool));
        }

        if (nextArrow >= arrow.Length)
        {
            notes?.Insert(0, $"(the {arrow.Length} pre-written Arrow bodies ran out and were sent again: part of the Arrow run was duplicates)");
        }

        return columnar;
    }

    private static Measurement Measure(MallardCluster cluster, Func<(double RowsPerSecond, double P50, double P99, int Failures)> load)
    {
        var (siloCpu, apiCpu) = (IngestBenchmark.CpuSeconds(cluster.Silo), IngestBenchmark.CpuSeconds(cluster.Api));
        var (siloFaults, apiFaults) = (IngestBenchmark.PageFaults(cluster.Silo), IngestBenchmark.PageFaults(cluster.Api));
        var wall = Stopwatch.StartNew();
        var result = load();
        var rows = result.RowsPerSecond * wall.Elapsed.TotalSeconds;
        return new Measurement(
            result.RowsPerSecond,
            result.P50,
            result.P99,
            result.Failures,
            (IngestBenchmark.CpuSeconds(cluster.Silo) - siloCpu) * 1e6 / rows,
            (IngestBenchmark.CpuSeconds(cluster.Api) - apiCpu) * 1e6 / rows,
            (IngestBenchmark.PageFaults(cluster.Silo) - siloFaults) * 1000.0 / rows,
            (IngestBenchmark.PageFaults(cluster.Api) - apiFaults) * 1000.0 / rows);
    }

    /// <summary>Rows/s of the plain NDJSON run in the last <see cref="Table"/> (steady state).</summary>
    public static double Plain { get; private set; }

    /// <summary>Rows/s of the Arrow run in the last <see cref="Table"/>.</summary>
    public static double Columnar { get; private set; }

    // Bodies sent a second time carry keys already stored: every row then takes the shard's
    // checked path, which is not what the run measures. 4,000 bodies of 10,000 rows (~1 MB each
    // as Arrow) last 40 s at 1M rows/s.
    private const int MaxBodies = 4_000;

    private static byte[][] ArrowStreams(ArrowBodies bodies, double wanted)
    {
        var count = (int)Math.Clamp(Math.Ceiling(wanted), 16, MaxBodies);
        // One at a time: Apache.Arrow's writer failed (a null buffer in WriteBufferData) when many
        // streams were written in parallel here.
        var streams = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            streams[i] = bodies.Next();
        }

        return streams;
    }

    // Compressed ahead of the run, so the client's gzip does not take the CPU the servers measure.
    private static byte[][] CompressedBodies(IngestBenchmark.PayloadTemplate template, double wanted)
    {
        var count = (int)Math.Clamp(Math.Ceiling(wanted), 16, MaxBodies);
        var bodies = new byte[count][];
        Parallel.For(0, count, i =>
        {
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(template.Next());
            }

            bodies[i] = output.ToArray();
        });
        return bodies;
    }

    private sealed record Measurement(double RowsPerSecond, double P50, double P99, int Failures, double SiloMicrosPerRow, double ApiMicrosPerRow, double SiloFaultsPerThousand, double ApiFaultsPerThousand)
    {
        public string Row(string system, double reference) => string.Create(CultureInfo.InvariantCulture,
            $"| {system} | {RowsPerSecond:N0} | {P50:F1} | {P99:F1} | {Failures} | {SiloMicrosPerRow:F1} | {ApiMicrosPerRow:F1} | {SiloFaultsPerThousand:F0} | {ApiFaultsPerThousand:F0} | {reference / RowsPerSecond:F2} |");
    }
}
