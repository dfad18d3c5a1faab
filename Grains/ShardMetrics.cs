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
    private readonly Histogram<long> _groupBatches;

    /// <summary>Creates the instruments on the host's meter factory.</summary>
    public ShardMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _refusals = meter.CreateCounter<long>("mallard.shard.refusals", "{activation}", "Partition activations that refused to serve their shard (drift, failed migration, breaking contract)");
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

    /// <summary>Records one group commit.</summary>
    public void GroupCommitted(string dataset, int batches) =>
        _groupBatches.Record(batches, new KeyValuePair<string, object?>("dataset", dataset));

    /// <summary>Counts an applied evolution step.</summary>
    public void EvolutionStepApplied(string dataset, string kind) =>
        _evolutionSteps.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("kind", kind));
}
