using System.Runtime.InteropServices;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// Prepares a validated batch for the partitions: drops records whose key repeats earlier in the
/// batch (the first wins, wherever the repeats would route), then splits the rest into one
/// sub-batch per partition by the contract's partition hash.
/// </summary>
public static class BatchRouter
{
    /// <summary>The routed sub-batches and the request positions of in-batch duplicates.</summary>
    public sealed record RoutedBatch(SortedDictionary<int, RecordBatch> Partitions, IReadOnlyList<int> Duplicates);

    /// <summary>Routes <paramref name="rowCount"/> records held in <paramref name="columns"/>.</summary>
    public static RoutedBatch Route(DatasetDefinition dataset, ContractStamp contract, string batchId, string requestHash, ColumnVector[] columns, int rowCount)
    {
        var keyColumns = dataset.KeyOrdinals.Select(o => columns[o]).ToArray();
        var duplicates = RecordKey.RepeatedWithinBatch(dataset, keyColumns, rowCount);
        var isDuplicate = duplicates.Count == 0 ? null : duplicates.ToHashSet();
        var rowsByPartition = new List<int>?[dataset.Partitions];
        for (var row = 0; row < rowCount; row++)
        {
            if (isDuplicate is not null && isDuplicate.Contains(row))
            {
                continue;
            }

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
                : columns.Select(c => c.Gather(CollectionsMarshal.AsSpan(rows))).ToArray();
            batches.Add(partition, new RecordBatch(batchId, rows.Count, vectors, contract, rows.ToArray(), requestHash));
        }

        return new RoutedBatch(batches, duplicates);
    }
}
