namespace Mallard.Grains.Shards;

/// <summary>Where a replayed group sits in the partition's log: its commit sequence and commit time on the shard that first wrote it.</summary>
/// <param name="Seq">The group's commit sequence.</param>
/// <param name="CommittedAt">When the group first committed (UTC); its ledger entries keep this time, so retention is unchanged by a move.</param>
public sealed record LogPosition(long Seq, DateTime CommittedAt);
