namespace Mallard.Moves;

/// <summary>
/// The target side of one partition move, placed on the target silo (key
/// <c>target:dataset/partition</c>, see <see cref="KeyOf"/>). It pulls the source's image and log,
/// verifies, and switches ownership; the call that starts it returns at once.
/// </summary>
public interface IShardReceiverGrain : IGrainWithStringKey
{
    /// <summary>The key of the receiver for <paramref name="move"/>.</summary>
    static string KeyOf(PartitionMove move) => $"{move.Target}:{move.Dataset}/{move.Partition}";

    /// <summary>Starts <paramref name="move"/> unless it is already running; returns its progress.</summary>
    Task<MoveProgress> StartAsync(PartitionMove move);

    /// <summary>The running or last move's progress.</summary>
    Task<MoveProgress?> GetProgressAsync();
}
