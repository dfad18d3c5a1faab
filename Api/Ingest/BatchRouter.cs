using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>Splits a validated batch into one sub-batch per partition by the contract's partition hash.</summary>
public static class BatchRouter
{
    /// <summary>Sub-batches keyed by partition number; partitions with no records are absent.</summary>
    public static SortedDictionary<int, RecordBatch> Split(DatasetDefinition dataset, ContractStamp contract, string batchId, ColumnVector[] columns, int rowCount)
    {
        var rowsByPartition = new List<int>?[dataset.Partitions];
        for (var row = 0; row < rowCount; row++)
        {
            var partition = PartitionHasher.PartitionOf(dataset, columns, row);
            (rowsByPartition[partition] ??= []).Add(row);
        }

        var batches = new SortedDictionary<int, RecordBatch>();
        for (var partition = 0; partition < rowsByPartition.Length; partition++)
        {
            if (rowsByPartition[partition] is not { } rows)
            {
                continue;
            }

            var vectors = rows.Count == rowCount
                ? columns
                : columns.Select(c => c.Gather(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows))).ToArray();
            batches.Add(partition, new RecordBatch(batchId, rows.Count, vectors, contract));
        }

        return batches;
    }
}
