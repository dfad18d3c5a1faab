using Mallard.Partitions;

namespace Mallard.Moves;

/// <summary>
/// One group commit of the source after its image was pinned: the batches it wrote, at its
/// position in the partition's log. The receiver replays it and must get the same counts.
/// </summary>
/// <param name="Seq">The group's commit sequence.</param>
/// <param name="CommittedAt">Its commit time on the source (UTC), kept in the copy's ledger.</param>
/// <param name="Batches">The batches the group wrote (not the ones it replayed or refused).</param>
/// <param name="Accepted">Rows each batch stored, in order.</param>
[GenerateSerializer, Immutable, Alias("mallard.LoggedGroup")]
public sealed record LoggedGroup(
    [property: Id(0)] long Seq,
    [property: Id(1)] DateTime CommittedAt,
    [property: Id(2)] RecordBatch[] Batches,
    [property: Id(3)] int[] Accepted)
{
    /// <summary>Rows in the group's batches.</summary>
    public long Rows => Batches.Sum(b => (long)b.RowCount);
}
