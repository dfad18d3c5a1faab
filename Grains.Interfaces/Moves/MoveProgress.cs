namespace Mallard.Moves;

/// <summary>A move as its target reports it.</summary>
/// <param name="Move">The move.</param>
/// <param name="Phase">Where it is.</param>
/// <param name="Bytes">Image bytes copied so far (of <paramref name="TotalBytes"/>).</param>
/// <param name="TotalBytes">The image's size; 0 until known.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="WriteUnavailableMs">How long the source refused writes (seal to switch), once completed.</param>
/// <param name="ElapsedMs">Time since the move started.</param>
[GenerateSerializer, Immutable, Alias("mallard.MoveProgress")]
public sealed record MoveProgress(
    [property: Id(0)] PartitionMove Move,
    [property: Id(1)] MovePhase Phase,
    [property: Id(2)] long Bytes,
    [property: Id(3)] long TotalBytes,
    [property: Id(4)] string? Error,
    [property: Id(5)] double WriteUnavailableMs,
    [property: Id(6)] double ElapsedMs)
{
    /// <summary>True once the move completed or failed.</summary>
    public bool Done => Phase is MovePhase.Completed or MovePhase.Failed;
}
