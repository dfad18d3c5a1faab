using Mallard.Partitions;

namespace Mallard.Grains.Ownership;

/// <summary>The typed refusals of a partition whose shard cannot be served where the call landed.</summary>
public static class PartitionUnavailable
{
    /// <summary>The owner silo is not an active cluster member.</summary>
    public static PartitionException OwnerDown(string partitionKey, int owner) =>
        new(ErrorCodes.PartitionUnavailable, $"partition {partitionKey} is held by silo {owner}, which is not in the cluster; retry when it is back");

    /// <summary>The activation landed on a silo that does not hold the shard.</summary>
    public static PartitionException NotOwner(string partitionKey, int owner, int local) =>
        new(ErrorCodes.PartitionUnavailable, $"partition {partitionKey} is held by silo {owner}, not silo {local}; it is never opened elsewhere");

    /// <summary>The partition moved to another silo; this activation closes.</summary>
    public static PartitionException MovedAway(string partitionKey, int target) =>
        new(ErrorCodes.PartitionMoving, $"partition {partitionKey} moved to silo {target}; retry");

    /// <summary>The partition cannot read or take its fencing lease, so it writes nothing.</summary>
    public static PartitionException LeaseUnreadable(string partitionKey, Exception cause) =>
        new(ErrorCodes.LeaseUnavailable, $"partition {partitionKey} cannot confirm its fencing epoch, so it writes nothing: {cause.GetBaseException().Message}");

    /// <summary>A newer activation of the partition holds the fencing epoch.</summary>
    public static PartitionException Fenced(string partitionKey, long epoch, long current) =>
        new(ErrorCodes.PartitionUnavailable, $"partition {partitionKey} was fenced: this activation holds epoch {epoch}, the partition is at epoch {current}; retry");
}
