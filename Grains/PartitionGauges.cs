using System.Collections.Concurrent;

namespace Mallard.Grains;

/// <summary>
/// What the silo's gauges read: one entry per active partition, updated by its grain after each
/// commit, so a metrics scrape never touches DuckDB or the grain.
/// </summary>
public sealed class PartitionGauges
{
    private readonly ConcurrentDictionary<(string Dataset, int Partition), PartitionGauge> _active = new();

    /// <summary>The active partitions.</summary>
    public IEnumerable<PartitionGauge> Active => _active.Values;

    /// <summary>Registers an activated partition.</summary>
    public PartitionGauge Register(string dataset, int partition, string shardPath, long rows, long batches, long? watermarkMicros)
    {
        var gauge = new PartitionGauge(dataset, partition, shardPath) { Rows = rows, Batches = batches, WatermarkMicros = watermarkMicros ?? long.MinValue };
        _active[(dataset, partition)] = gauge;
        return gauge;
    }

    /// <summary>Forgets a deactivated partition.</summary>
    public void Unregister(PartitionGauge gauge) =>
        _active.TryRemove(new KeyValuePair<(string, int), PartitionGauge>((gauge.Dataset, gauge.Partition), gauge));
}
