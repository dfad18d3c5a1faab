using Orleans.Concurrency;

namespace Mallard.Moves;

/// <summary>
/// The source side of a move, implemented by the partition grain. The target calls these in
/// order: begin (pins an image and starts keeping the log), read chunks, pull the log in rounds,
/// seal (stop accepting, drain), pull the remainder, end (retire after a switch, else resume).
/// </summary>
public interface IPartitionMoveSource : IGrainWithStringKey
{
    /// <summary>Pins the shard's file image for <paramref name="move"/> and starts keeping its log (the checkpoint may take seconds).</summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:01:00")]
    Task<MoveImage> BeginMoveOutAsync(PartitionMove move);

    /// <summary>The pinned image's content checksum (sum of row hashes), computed on a read transaction that sees exactly the image: a full scan.</summary>
    [AlwaysInterleave]
    [ResponseTimeout("00:05:00")]
    Task<string> GetImageChecksumAsync(Guid moveId);

    /// <summary>Up to <paramref name="length"/> bytes of the pinned image at <paramref name="offset"/>.</summary>
    [AlwaysInterleave]
    Task<ImageChunk> ReadMoveChunkAsync(Guid moveId, long offset, int length);

    /// <summary>The groups committed after <paramref name="afterSeq"/>, up to about <paramref name="maxRows"/> rows; earlier ones are forgotten.</summary>
    [AlwaysInterleave]
    Task<LoggedGroup[]> PullMoveLogAsync(Guid moveId, long afterSeq, int maxRows);

    /// <summary>Stops accepting writes, drains the queue and seals the shard; null when it could not seal in time (nothing changed).</summary>
    [AlwaysInterleave]
    Task<MoveSeal?> SealForMoveAsync(Guid moveId);

    /// <summary>Ends the move: after a switch the source retires its shard; otherwise it takes a new epoch and accepts writes again.</summary>
    [AlwaysInterleave]
    Task EndMoveOutAsync(Guid moveId, bool switched);
}
