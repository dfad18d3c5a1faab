using Mallard.Partitions;

namespace Mallard.Grains.Writing;

/// <summary>What a group commit did with one batch: its receipt, or the refusal that failed it alone.</summary>
/// <param name="Receipt">The receipt, when the batch committed or replayed.</param>
/// <param name="Error">The refusal, when it did not.</param>
public readonly record struct AppendOutcome(PartitionReceipt? Receipt, Exception? Error);
