using System.Diagnostics.Metrics;

namespace Mallard.Grains;

/// <summary>The silo's shard instruments (meter <c>Mallard.Silo</c>); labels are dataset and reason only.</summary>
public sealed class ShardMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "Mallard.Silo";

    private readonly Counter<long> _refusals;
    private readonly Counter<long> _evolutionSteps;

    /// <summary>Creates the instruments on the host's meter factory.</summary>
    public ShardMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _refusals = meter.CreateCounter<long>("mallard.shard.refusals", "{activation}", "Partition activations that refused to serve their shard (drift, failed migration, breaking contract)");
        _evolutionSteps = meter.CreateCounter<long>("mallard.shard.evolution.steps", "{step}", "Contract evolution steps applied to shards");
    }

    /// <summary>Counts a partition that refuses its shard.</summary>
    public void ShardRefused(string dataset, string reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts an applied evolution step.</summary>
    public void EvolutionStepApplied(string dataset, string kind) =>
        _evolutionSteps.Add(1, new KeyValuePair<string, object?>("dataset", dataset), new KeyValuePair<string, object?>("kind", kind));
}
