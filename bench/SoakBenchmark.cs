using System.Diagnostics;
using System.Globalization;

namespace Mallard.Bench;

/// <summary>
/// <c>bench -- soak [--minutes N]</c>: full ingest (NDJSON, 10,000-row batches, 4 clients) into one
/// silo with run.sh's settings for N minutes (10 by default), sampling the silo's and the gateway's
/// resident memory every 10 s. After warm-up (the first fifth, and until DuckDB's caches hold 90%
/// of their limits, at most half the run) RSS must stay within ±10% of its median; the table is written into BENCHMARKS.md between <c>&lt;!-- bench:soak --&gt;</c> markers.
/// </summary>
public static class SoakBenchmark
{
    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(10);

    public static int Run(string[] args)
    {
        var minutesIndex = Array.IndexOf(args, "--minutes");
        var minutes = minutesIndex >= 0 ? double.Parse(args[minutesIndex + 1], CultureInfo.InvariantCulture) : 10;
        var duration = TimeSpan.FromMinutes(minutes);
        var root = IngestBenchmark.FindRoot();
        var siloArgs = args.SkipWhile(a => a != "--").Skip(1).ToArray(); // e.g. -- --Mallard:Shards:MemoryLimitMb=64
        var schemaIndex = Array.IndexOf(args, "--schema");
        using var cluster = MallardCluster.Start(schemaIndex >= 0 ? Path.GetFullPath(args[schemaIndex + 1]) : Path.Combine(root, "schema.yaml"), siloArgs);
        var template = IngestBenchmark.PayloadTemplate.Create(10_000, ndjson: true);
        var samples = new List<(TimeSpan At, long Rows, long SiloMiB, long ApiMiB, SiloMemory Memory)>();
        using var metrics = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var rows = 0L;
        var refused = 0L;
        var clock = Stopwatch.StartNew();
        var load = Task.Run(() =>
        {
            while (clock.Elapsed < duration)
            {
                var slice = IngestBenchmark.RunLoad(cluster.Gateway, template, "ndjson", 4, Sample);
                Interlocked.Add(ref rows, (long)(slice.RowsPerSecond * Sample.TotalSeconds));
                Interlocked.Add(ref refused, slice.Failures);
            }
        });
        while (!load.IsCompleted)
        {
            load.Wait(Sample);
            samples.Add((clock.Elapsed, Interlocked.Read(ref rows), RssMiB(cluster.Silo), RssMiB(cluster.Api), SiloMemory.Read(metrics, cluster.SiloMetrics)));
            var last = samples[^1];
            Console.Error.WriteLine($"{last.At.TotalSeconds,6:F0} s  {last.Rows,12:N0} rows  silo {last.SiloMiB,6:N0} MiB ({last.Memory})  gateway {last.ApiMiB,6:N0} MiB  {Interlocked.Read(ref refused)} refused{(IngestBenchmark.LastRefusal is { } r ? ", the last: " + r[..Math.Min(r.Length, 300)] : "")}");
        }

        // Warm-up is the first fifth, and on until DuckDB's caches first hold 90% of their limits
        // (a bounded cache fills at the rate rows arrive), but never more than half the run: past
        // it, memory must stay flat. Both verdicts are printed for the silo.
        var fifth = samples.Where(s => s.At >= duration / 5).ToList();
        var filled = samples.FirstOrDefault(s => s.Memory.DuckDbLimitMiB > 0 && s.Memory.DuckDbMiB >= 0.9 * s.Memory.DuckDbLimitMiB).At;
        var warmUp = filled == TimeSpan.Zero ? duration / 5 : TimeSpan.FromTicks(Math.Clamp(filled.Ticks, (duration / 5).Ticks, (duration / 2).Ticks));
        var warm = samples.Where(s => s.At >= warmUp).ToList();
        var report = new List<string>
        {
            $"Run: `dotnet run -c Release --project bench -- soak --minutes {minutes.ToString(CultureInfo.InvariantCulture)}` on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: NDJSON, 10,000-row batches, 4 clients, one silo with run.sh's settings (8 partitions, `MemoryBudgetMb` 4096, `MemoryLimitMb` 256){(siloArgs.Length > 0 ? " and " + string.Join(" ", siloArgs) : "")}{EnvironmentOverrides()}, {Interlocked.Read(ref rows):N0} rows in all, {Interlocked.Read(ref refused)} refused batches.",
            "",
            string.Create(CultureInfo.InvariantCulture, $"Warm-up: {warmUp.TotalMinutes:F1} min ({(filled == TimeSpan.Zero ? "DuckDB's caches never held 90% of their limits: the first fifth" : $"the first fifth, and DuckDB's caches held 90% of their limits at {filled.TotalMinutes:F1} min")}; at most half the run)."),
            "",
            Verdict($"silo RSS after warm-up ({warmUp.TotalMinutes:F1} min)", warm.Select(s => s.SiloMiB).ToList()),
            Verdict($"silo RSS after the first fifth ({(duration / 5).TotalMinutes:F1} min)", fifth.Select(s => s.SiloMiB).ToList()),
            Verdict($"gateway RSS after warm-up ({warmUp.TotalMinutes:F1} min)", warm.Select(s => s.ApiMiB).ToList()),
            "",
            "The silo's memory by part (from its /metrics): DuckDB as its `duckdb_memory()` counts it and the shards' `memory_limit`s together, the key hashes of dedup (stored-key indexes), the .NET heap after the last GC; the rest of RSS is native allocations outside those (DuckDB's own outside its limit, the allocator's free lists, code).",
            "",
            "| minute | rows stored | rows/s in the last minute | silo RSS MiB | DuckDB MiB (limit) | key hashes MiB | .NET heap MiB | gateway RSS MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        var previous = (At: TimeSpan.Zero, Rows: 0L);
        foreach (var sample in samples.Where((_, i) => (i + 1) % 6 == 0 || i == samples.Count - 1))
        {
            report.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {sample.At.TotalMinutes:F1} | {sample.Rows:N0} | {(sample.Rows - previous.Rows) / (sample.At - previous.At).TotalSeconds:N0} | {sample.SiloMiB:N0} | {sample.Memory.DuckDbMiB:N0} ({sample.Memory.DuckDbLimitMiB:N0}) | {sample.Memory.KeyHashMiB:N0} | {sample.Memory.HeapMiB:N0} | {sample.ApiMiB:N0} |"));
            previous = (sample.At, sample.Rows);
        }

        if (IngestBenchmark.LastRefusal is { } refusal)
        {
            report.InsertRange(1, ["", $"The last refusal: `{refusal[..Math.Min(refusal.Length, 400)]}`"]);
        }

        foreach (var line in report)
        {
            Console.WriteLine(line);
        }

        Sections.Write(root, "soak", report, "Soak: memory over a long ingest (`bench -- soak`)");
        return 0;
    }

    private static string Verdict(string what, List<long> rss)
    {
        if (rss.Count == 0)
        {
            return $"- {what}: no samples";
        }

        var sorted = rss.Order().ToList();
        var median = (double)sorted[sorted.Count / 2];
        var worst = rss.Max(x => Math.Abs(x - median) / median);
        return string.Create(CultureInfo.InvariantCulture,
            $"- {what}: median {median:N0} MiB, from {sorted[0]:N0} to {sorted[^1]:N0}, at most {100 * worst:F1}% from the median: **{(worst <= 0.10 ? "within" : "outside")} ±10%**");
    }

    // Settings given to both hosts through the environment (Mallard__Shards__X=…) are part of the run.
    private static string EnvironmentOverrides()
    {
        var overrides = Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("Mallard__", StringComparison.Ordinal)).Order().Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}").ToList();
        return overrides.Count == 0 ? "" : ", with " + string.Join(" ", overrides);
    }

    private static long RssMiB(Process process) => IngestBenchmark.StatusMiB(process, "VmRSS:");
}
