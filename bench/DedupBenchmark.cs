using System.Diagnostics;
using System.Globalization;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Bench;

/// <summary>
/// What exact record-key dedup costs as one shard grows: 10,000-row batches of page views appended
/// through the shard's real write path (stored-key index check, append, ledger, commit), timed per batch,
/// plus an all-duplicates batch probed at each milestone (the staging path compares real keys),
/// the stored-key index's memory and disk and the time to reopen the shard (the index is rebuilt from the rows).
/// Keys are random UUIDv4 unless <c>--keys v7</c>. The same load with a dedup window (no key check
/// beyond the window's time range) is the baseline.
/// </summary>
public static class DedupBenchmark
{
    private const int BatchRows = 10_000;

    public static int Run(string[] args)
    {
        var rows = Option(args, "--rows", 10_000_000);
        var memoryMb = Option(args, "--memory-mb", 256);
        var storageIndex = Array.IndexOf(args, "--storage-version");
        var storageVersion = storageIndex >= 0 ? args[storageIndex + 1] : new ShardOptions().StorageVersion;
        var keysIndex = Array.IndexOf(args, "--keys");
        var timeOrderedKeys = keysIndex >= 0 && args[keysIndex + 1] == "v7";
        var milestones = new[] { 1_000_000, 5_000_000, 10_000_000, 20_000_000, 40_000_000 }.Where(m => m <= rows).ToArray();
        Console.WriteLine($"# dedup cost per shard: {rows:N0} rows in {BatchRows:N0}-row batches, {(timeOrderedKeys ? "UUIDv7" : "random UUIDv4")} keys, memory_limit {memoryMb} MiB, 1 thread, storage {storageVersion}, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| variant | shard rows | batch p50 ms | batch p99 ms | rows/s (since last row) | all-duplicate batch ms | key hashes MiB | bytes per key | key runs on disk MiB | reopen ms | process RSS MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Measure("exact (stored-key index)", window: null, rows, memoryMb, storageVersion, milestones, timeOrderedKeys);
        Measure("window only (dedup_window)", window: "1s", rows, memoryMb, storageVersion, milestones, timeOrderedKeys);
        return 0;
    }

    private static void Measure(string variant, string? window, int rows, int memoryMb, string storageVersion, int[] milestones, bool timeOrderedKeys)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"mallard-bench-{Guid.NewGuid():N}");
        var yaml = """
            version: 1
            datasets:
              page_views:
                key: [event_id]
                partition_by: [user_id]
                partitions: 1
                time: ts
            """ + (window is null ? "" : $"\n    dedup_window: {window}") + """

                columns:
                  event_id:    { type: uuid }
                  ts:          { type: timestamp }
                  user_id:     { type: string }
                  page:        { type: string }
                  duration_ms: { type: int32 }
                  bytes:       { type: int64 }
                  revenue:     { type: "decimal(12,2)", nullable: true }
                  bot:         { type: bool }
            """;
        var contract = ContractLoader.Parse(yaml, "bench.yaml");
        var dataset = contract.Datasets["page_views"];
        var options = Options.Create(new ShardOptions { DataDirectory = folder, MemoryLimitMb = memoryMb, Threads = 1, StorageVersion = storageVersion });
        try
        {
            var catalog = new ShardCatalog(options, contract);
            var shard = catalog.Open(dataset, 0);
            var random = new Random(1);
            var latencies = new List<double>();
            var total = 0;
            var sinceMilestone = Stopwatch.StartNew();
            var rowsSinceMilestone = 0;
            RecordBatch? last = null;
            foreach (var milestone in milestones)
            {
                while (total < milestone)
                {
                    last = PageViewBatches.Create(dataset, contract, random, total, BatchRows, timeOrderedKeys);
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        shard.Append(last);
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine($"| {variant} | {total:N0} | failed: {e.Message.Split('\n')[0]} | | | | | | | | {Process.GetCurrentProcess().WorkingSet64 / (1024 * 1024):N0} |");
                        shard.Dispose();
                        return;
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                    // What the partition's writer does between groups, after the callers' answers.
                    shard.WriteKeyRunIfDue();
                    total += BatchRows;
                    rowsSinceMilestone += BatchRows;
                }

                var window1M = latencies.TakeLast(100).Order().ToList();
                var duplicateStarted = Stopwatch.GetTimestamp();
                var replayed = shard.Append(last! with { BatchId = Guid.NewGuid().ToString("N") });
                var duplicateMs = Stopwatch.GetElapsedTime(duplicateStarted).TotalMilliseconds;
                if (window is null && replayed.Duplicates != BatchRows)
                {
                    throw new InvalidOperationException($"expected {BatchRows} duplicates, got {replayed.Duplicates}");
                }

                var rate = rowsSinceMilestone / sinceMilestone.Elapsed.TotalSeconds;
                var keyHashBytes = shard.KeyHashBytes;
                var keyRunBytes = shard.KeyIndexDiskBytes;
                shard.Dispose();
                var reopenStarted = Stopwatch.GetTimestamp();
                shard = catalog.Open(dataset, 0);
                var reopenMs = Stopwatch.GetElapsedTime(reopenStarted).TotalMilliseconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {variant} | {milestone:N0} | {window1M[window1M.Count / 2]:F1} | {window1M[(int)(window1M.Count * 0.99)]:F1} | {rate:N0} | {duplicateMs:F1} | {keyHashBytes / (1024.0 * 1024):F1} | {(double)keyHashBytes / milestone:F1} | {keyRunBytes / (1024.0 * 1024):F1} | {reopenMs:F0} | {Process.GetCurrentProcess().WorkingSet64 / (1024 * 1024):N0} |"));
                sinceMilestone.Restart();
                rowsSinceMilestone = 0;
            }

            shard.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
