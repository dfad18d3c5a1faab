using Mallard.Moves;

namespace Mallard.Api.Views;

/// <summary>One partition move of a plan.</summary>
/// <param name="MoveId">The move's id.</param>
/// <param name="Dataset">The dataset.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Source">The ordinal the partition leaves.</param>
/// <param name="Target">The ordinal the partition goes to.</param>
/// <param name="Phase">planned, copying, catchingup, switching, completed or failed.</param>
/// <param name="Bytes">Shard bytes copied so far.</param>
/// <param name="TotalBytes">Shard bytes to copy.</param>
/// <param name="Error">Why the move failed, if it did.</param>
/// <param name="WriteUnavailableMs">How long writes to the partition were refused during the switch.</param>
/// <param name="ElapsedMs">How long the move has run.</param>
public sealed record MoveView(Guid MoveId, string Dataset, int Partition, int Source, int Target, string Phase, long Bytes, long TotalBytes, string? Error, double WriteUnavailableMs, double ElapsedMs)
{
    /// <summary>The view of <paramref name="move"/>.</summary>
    public static MoveView Of(MoveProgress move) => new(
        move.Move.MoveId,
        move.Move.Dataset,
        move.Move.Partition,
        move.Move.Source,
        move.Move.Target,
        move.Phase.ToString().ToLowerInvariant(),
        move.Bytes,
        move.TotalBytes,
        move.Error,
        Math.Round(move.WriteUnavailableMs, 1),
        Math.Round(move.ElapsedMs, 1));
}
