using System.Collections.Concurrent;

namespace Mallard.Grains.Moves;

/// <summary>The partitions this silo is receiving: their files must not be retired as leftovers before the switch.</summary>
public sealed class IncomingShards
{
    private readonly ConcurrentDictionary<(string Dataset, int Partition), bool> _receiving = new();

    public bool Contains(string dataset, int partition) => _receiving.ContainsKey((dataset, partition));

    /// <summary>Marks a partition as being received; false when it already is.</summary>
    public bool TryAdd(string dataset, int partition) => _receiving.TryAdd((dataset, partition), true);

    public void Remove(string dataset, int partition) => _receiving.TryRemove((dataset, partition), out _);
}
