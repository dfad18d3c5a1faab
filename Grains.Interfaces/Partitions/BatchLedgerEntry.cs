namespace Mallard.Partitions;

/// <summary>A batch as a partition's ledger recorded it, committed with its rows.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="RequestHash">SHA-256 of the request body the batch came from.</param>
/// <param name="Receipt">The receipt of that commit.</param>
[GenerateSerializer, Immutable, Alias("mallard.BatchLedgerEntry")]
public sealed record BatchLedgerEntry(
    [property: Id(0)] string BatchId,
    [property: Id(1)] string RequestHash,
    [property: Id(2)] PartitionReceipt Receipt);
