namespace Mallard.Grains.Ownership;

/// <summary>
/// Where the ownership map and every partition's fencing epoch live (PostgreSQL in cluster mode).
/// A partition's owner and epoch are one record, so a move's switch changes both at once.
/// </summary>
public interface IOwnershipStore
{
    /// <summary>Owners of a dataset's partitions by partition number, or an empty array when it has none yet.</summary>
    Task<int[]> ReadDatasetAsync(string dataset, CancellationToken cancellationToken = default);

    /// <summary>Stores owners for the partitions that have none yet (another writer's earlier assignment wins) and returns what is stored.</summary>
    Task<int[]> AssignAsync(string dataset, int[] owners, CancellationToken cancellationToken = default);

    /// <summary>The owner and epoch of one partition, or null when it is unassigned.</summary>
    Task<PartitionOwnership?> ReadAsync(string dataset, int partition, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a new epoch for <paramref name="ordinal"/>, above both the stored epoch and
    /// <paramref name="floor"/>, if and only if <paramref name="ordinal"/> owns the partition.
    /// Returns the new epoch, or null when another ordinal owns it.
    /// </summary>
    Task<long?> TakeEpochAsync(string dataset, int partition, int ordinal, long floor, CancellationToken cancellationToken = default);

    /// <summary>Moves ownership from <paramref name="from"/> at exactly <paramref name="epoch"/> to <paramref name="to"/> with the next epoch; false when either no longer holds.</summary>
    Task<bool> SwitchAsync(string dataset, int partition, int from, long epoch, int to, CancellationToken cancellationToken = default);

    /// <summary>Every dataset's owners.</summary>
    Task<IReadOnlyDictionary<string, int[]>> ReadMapAsync(CancellationToken cancellationToken = default);

    /// <summary>The ordinals marked drained.</summary>
    Task<IReadOnlySet<int>> ReadDrainedAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks or unmarks <paramref name="ordinal"/> as drained.</summary>
    Task SetDrainedAsync(int ordinal, bool drained, CancellationToken cancellationToken = default);
}
