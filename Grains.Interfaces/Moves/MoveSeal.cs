namespace Mallard.Moves;

/// <summary>The source's final state once it stopped accepting writes: what the target must hold before the switch.</summary>
/// <param name="Seq">The last commit sequence.</param>
/// <param name="Rows">Rows stored.</param>
/// <param name="Ledger">Ledger entries stored.</param>
/// <param name="Epoch">The source's fencing epoch, which the switch requires unchanged.</param>
[GenerateSerializer, Immutable, Alias("mallard.MoveSeal")]
public sealed record MoveSeal(
    [property: Id(0)] long Seq,
    [property: Id(1)] long Rows,
    [property: Id(2)] long Ledger,
    [property: Id(3)] long Epoch);
