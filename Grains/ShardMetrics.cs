using System.Diagnostics.Metrics;

namespace Mallard.Grains;

/// <summary>The silo's shard instruments (meter <c>Mallard.Silo</c>); labels are dataset and reason only.</summary>
public sealed class ShardMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "Mallard.Silo";

    private readonly Counter<long> _refusals;
    private readonly Counter<long> _evolutionSteps;
    private readonly Counter<long> _appendRefusals;
    private readonly Counter<long> _ledgerPruneFailures;
    private readonly Counter<long> _queriesPreempted;
    private readonly Histogram<long> _groupBatches;

    private readonly Histogram<double> _commitSeconds;
    private readonly Histogram<double> _checkpointSeconds;
    private readonly Counter<long> _checkpointRefusals;
    private readonly Histogram<double> _keyRunSeconds;
    private readonly Counter<long> _keyRunFailures;

    /// <summary>Creates the instruments on the host's meter factory.</summary>
    public ShardMetrics(IMeterFactory meters, PartitionGauges gauges, Shards.ShardCatalog catalog, TimeProvider time)
    {
        var meter = meters.Create(MeterName);
        _commitSeconds = Seconds(meter, "mallard.shard.commit.duration", "Time of one shard transaction (a group commit), from BEGIN to COMMIT", [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
        _checkpointSeconds = Seconds(meter, "mallard.shard.checkpoint.duration", "Time of one checkpoint a partition's writer ran between commits (its WAL past Mallard:Shards:CheckpointWalMb)", [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
        _checkpointRefusals = meter.CreateCounter<long>("mallard.shard.checkpoint.refusals", "{checkpoint}", "Checkpoints between commits that DuckDB refused (tried again after the next group)");
        _keyRunSeconds = Seconds(meter, "mallard.shard.key_run.duration", "Time to write a shard's newest stored-key hashes out as a sorted run on disk, between commits", [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
        _keyRunFailures = meter.CreateCounter<long>("mallard.shard.key_run.failures", "{run}", "Runs of stored-key hashes the disk refused to take (the keys stay in memory, growing it, and the next group tries again)");
        meter.CreateObservableGauge("mallard.shard.key_index.disk", catalog.KeyIndexDiskBytes, "By", "Sorted runs of stored-key hashes on disk (exact dedup), across this silo's open shards");
        meter.CreateObservableCounter("mallard.shard.key_index.page_reads", catalog.KeyIndexPageReads, "{page}", "Pages of key runs read because the Bloom filter let a key through; rising per ingested row means the filter is too small for the shard (Mallard:Shards:KeyIndexMb)");
        meter.CreateObservableGauge("mallard.partition.queue.depth", () => Each(gauges, g => g.QueuedRows), "{row}", "Rows waiting for the partition's writer");
        meter.CreateObservableGauge("mallard.shard.rows", () => Each(gauges, g => g.Rows), "{row}", "Rows stored in the shard");
        meter.CreateObservableGauge("mallard.shard.ledger.batches", () => Each(gauges, g => g.Batches), "{batch}", "Batches in the shard's ledger (retention period)");
        meter.CreateObservableGauge("mallard.shard.size", () => Each(gauges, g => FileBytes(g.ShardPath)), "By", "Shard file plus write-ahead log on disk");
        meter.CreateObservableGauge("mallard.shards.open", () => catalog.OpenCount, "{shard}", "Shards open in this silo");
        meter.CreateObservableGauge("mallard.duckdb.memory", catalog.MemoryBytes, "By", "DuckDB memory in use across this silo's open shards");
        meter.CreateObservableGauge("mallard.duckdb.memory.limit", catalog.MemoryLimitBytes, "By", "The open shards' DuckDB memory_limit settings together: what mallard.duckdb.memory may reach");
        meter.CreateObservableGauge("mallard.shard.key_hashes.memory", catalog.KeyHashBytes, "By", "Memory of the open shards' key hashes (exact dedup's index, dedup windows' sets), outside DuckDB's limits, inside the budget");
        meter.CreateObservableGauge("mallard.dataset.watermark.lag", () => gauges.Active
            .Where(g => g.WatermarkMicros != long.MinValue)
            .GroupBy(g => g.Dataset)
            .Select(d => new Measurement<double>(
                (time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds - d.Max(g => g.WatermarkMicros) / 1e6,
                new KeyValuePair<string, object?>("dataset", d.Key))), "s", "Now minus the largest event time stored, per dataset (this silo's partitions)");
        _refusals = meter.CreateCounter<long>("mallard.shard.refusals", "{activation}", "Partition activations that refused to serve their shard (drift, failed migration, breaking contract)");
        _ledgerPruneFailures = meter.CreateCounter<long>("mallard.shard.ledger.prune_failures", "{prune}", "Ledger prunes after a commit that failed (the commit stands; retried a minute later)");
        _queriesPreempted = meter.CreateCounter<long>("mallard.shard.queries_preempted", "{query}", "Queries interrupted so that a write that ran out of memory could have the shard's memory (they answer query_preempted)");
        _appendRefusals = meter.CreateCounter<long>("mallard.partition.append.refusals", "{batch}", "Appends refused at once because the partition's queue was full");
        _groupBatches = meter.CreateHistogram<long>(
            "mallard.partition.group_commit.batches",
            "{batch}",
            "Batches written by one shard transaction (group commit)",
            tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        _evolutionSteps = meter.CreateCounter<long>("mallard.shard.evolution.steps", "{step}", "Contract evolution steps applied to shards");
    }

    /// <summary>Counts a partition that refuses its shard.</summary>
    public void ShardRefused(string dataset, string reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts an append refused because the partition was overloaded.</summary>
    public void AppendRefused(string dataset, string reason) =>
        _appendRefusals.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts a ledger prune that failed after its commit.</summary>
    public void LedgerPruneFailed(string dataset) =>
        _ledgerPruneFailures.Add(1, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Counts queries a write interrupted to have the shard's memory.</summary>
    public void QueriesPreempted(string dataset, int queries) =>
        _queriesPreempted.Add(queries, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Records one group commit.</summary>
    public void GroupCommitted(string dataset, int batches) =>
        _groupBatches.Record(batches, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Records the duration of one checkpoint between commits.</summary>
    public void CheckpointTook(string dataset, int partition, TimeSpan elapsed) =>
        _checkpointSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("partition", partition));

    /// <summary>Records the time to write one run of stored-key hashes.</summary>
    public void KeyRunTook(string dataset, TimeSpan elapsed) =>
        _keyRunSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Counts a run of stored-key hashes the disk refused.</summary>
    public void KeyRunFailed(string dataset) =>
        _keyRunFailures.Add(1, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Counts a checkpoint between commits that DuckDB refused.</summary>
    public void CheckpointRefused(string dataset) =>
        _checkpointRefusals.Add(1, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Records the duration of one shard commit.</summary>
    public void CommitTook(string dataset, int partition, TimeSpan elapsed) =>
        _commitSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("partition", partition));

    // A duration histogram in seconds with buckets fitted to what it times.
    private static Histogram<double> Seconds(Meter meter, string name, string description, double[] buckets) =>
        meter.CreateHistogram<double>(name, "s", description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });

    private static IEnumerable<Measurement<long>> Each(PartitionGauges gauges, Func<PartitionGauge, long> read) =>
        gauges.Active.Select(g => new Measurement<long>(
            read(g),
            new KeyValuePair<string, object?>("dataset", g.Dataset),
            new KeyValuePair<string, object?>("partition", g.Partition)));

    private static long FileBytes(string path)
    {
        try
        {
            return new FileInfo(path).Length + (File.Exists(path + ".wal") ? new FileInfo(path + ".wal").Length : 0);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Counts an applied evolution step.</summary>
    public void EvolutionStepApplied(string dataset, string kind) =>
        _evolutionSteps.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("kind", kind));
}
