namespace Mallard.Moves;

/// <summary>The source shard's pinned file image a move copies, and what the copy must hold.</summary>
/// <param name="Seq">The commit sequence the image holds everything up to.</param>
/// <param name="Bytes">The image's length in bytes.</param>
/// <param name="Rows">Rows in the image.</param>
/// <param name="Ledger">Ledger entries in the image.</param>
[GenerateSerializer, Immutable, Alias("mallard.MoveImage")]
public sealed record MoveImage(
    [property: Id(0)] long Seq,
    [property: Id(1)] long Bytes,
    [property: Id(2)] long Rows,
    [property: Id(3)] long Ledger);
