using System.Diagnostics;
using System.Globalization;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Bench;

/// <summary>
/// <c>bench -- commits [--sizes 625,1250,…]</c>: what one shard commit costs apart from its rows. The same rows go
/// into a fresh shard through its real write path in commits of different sizes; CPU per commit
/// against rows per commit gives the fixed cost of a commit (the intercept) and the cost of a row
/// (the slope).
/// </summary>
public static class CommitCostBenchmark
{
    public static int Run(string[] args)
    {
        var total = 1_000_000;
        var sizesAt = Array.IndexOf(args, "--sizes");
        var sizes = sizesAt >= 0 ? args[sizesAt + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [625, 1_250, 2_500, 5_000, 10_000];
        Console.WriteLine($"# shard commit cost: {total:N0} rows per size into a fresh shard, 1 DuckDB thread, durable commits, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| rows per commit | commits | rows/s | CPU µs per row | CPU ms per commit | wall ms per commit |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        var points = new List<(double Rows, double CpuMs)>();
        foreach (var size in sizes)
        {
            var (cpuMs, wallMs, rate) = Measure(size, total);
            points.Add((size, cpuMs));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {size:N0} | {total / size:N0} | {rate:N0} | {cpuMs * 1000 / size:F2} | {cpuMs:F2} | {wallMs:F2} |"));
        }

        if (points.Count < 2)
        {
            return 0;
        }

        var meanX = points.Average(p => p.Rows);
        var meanY = points.Average(p => p.CpuMs);
        var slope = points.Sum(p => (p.Rows - meanX) * (p.CpuMs - meanY)) / points.Sum(p => (p.Rows - meanX) * (p.Rows - meanX));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Least squares: {meanY - slope * meanX:F2} ms of CPU per commit plus {slope * 1000:F2} µs per row."));
        return 0;
    }

    private static (double CpuMs, double WallMs, double Rate) Measure(int size, int total)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mallard-bench-{Guid.NewGuid():N}");
        var contract = ContractLoader.Parse(File.ReadAllText(Path.Combine(IngestBenchmark.FindRoot(), "schema.yaml")), "schema.yaml");
        var dataset = contract.Datasets["page_views"];
        var options = Options.Create(new ShardOptions { DataDirectory = folder, Threads = 1 });
        try
        {
            using var shard = new ShardCatalog(options, contract).Open(dataset, 0);
            var random = new Random(1);
            var batches = Enumerable.Range(0, total / size).Select(i => PageViewBatches.Create(dataset, contract, random, i * size, size)).ToList();
            // Warm-up: the JIT and DuckDB's first blocks, not measured.
            foreach (var batch in batches.Take(batches.Count / 5))
            {
                shard.Append(batch);
            }

            var measured = batches.Skip(batches.Count / 5).ToList();
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            foreach (var batch in measured)
            {
                shard.Append(batch);
            }

            wall.Stop();
            process.Refresh();
            var cpuMs = (process.TotalProcessorTime - cpu).TotalMilliseconds / measured.Count;
            return (cpuMs, wall.Elapsed.TotalMilliseconds / measured.Count, measured.Count * size / wall.Elapsed.TotalSeconds);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
