namespace Mallard.Grains.Shards;

/// <summary>A sealed shard's final position and counts: what its successor must hold before it takes over.</summary>
/// <param name="Seq">The last commit sequence.</param>
/// <param name="Rows">Rows stored.</param>
/// <param name="Ledger">Ledger entries stored.</param>
public sealed record SealedState(long Seq, long Rows, long Ledger);
