using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>The 200 response of an ingest request.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="BatchId">The batch id; derived from the Idempotency-Key when one was sent.</param>
/// <param name="Accepted">Records stored.</param>
/// <param name="Duplicates">Records not stored because their key was already stored or repeated earlier in the batch.</param>
/// <param name="DuplicateIndexes">Positions in the request of the first 1,000 duplicates, ascending.</param>
/// <param name="Partitions">Per partition: records stored and duplicates.</param>
/// <param name="ContractVersion">The contract version the batch was validated against.</param>
public sealed record IngestReceipt(string Dataset, string BatchId, int Accepted, int Duplicates, int[] DuplicateIndexes, PartitionAccepted[] Partitions, int ContractVersion)
{
    /// <summary>Combines per-partition receipts and the gateway's in-batch duplicates into one receipt.</summary>
    public static IngestReceipt Combine(string dataset, string batchId, int contractVersion, IReadOnlyList<PartitionReceipt> receipts, IReadOnlyList<int> inBatchDuplicates) => new(
        dataset,
        batchId,
        receipts.Sum(r => r.Accepted),
        inBatchDuplicates.Count + receipts.Sum(r => r.Duplicates),
        inBatchDuplicates.Concat(receipts.SelectMany(r => r.DuplicateIndexes)).Order().Take(PartitionReceipt.MaxListedDuplicates).ToArray(),
        receipts.OrderBy(r => r.Partition).Select(r => new PartitionAccepted(r.Partition, r.Accepted, r.Duplicates)).ToArray(),
        contractVersion);
}
