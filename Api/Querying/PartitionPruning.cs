using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Querying;

/// <summary>
/// The partitions a query must visit: when the filter pins every <c>partition_by</c> column with
/// <c>eq</c> or <c>in</c>, only the partitions those values hash to; otherwise all of them.
/// </summary>
public static class PartitionPruning
{
    /// <summary>The partitions to ask, ascending.</summary>
    public static IReadOnlyList<int> PartitionsFor(DatasetDefinition dataset, PartitionQuery query)
    {
        if (PinnedValues.Find(query, dataset.PartitionByOrdinals.Select(o => dataset.Columns[o])) is not { } pinned)
        {
            return Enumerable.Range(0, dataset.Partitions).ToArray();
        }

        if (pinned.Combinations == 0)
        {
            // An empty `in` matches nothing; one partition answers with the right (empty) shape.
            return [0];
        }

        var partitions = new SortedSet<int>();
        var row = new ColumnVector[dataset.Columns.Count];
        foreach (var values in pinned.EachCombination())
        {
            for (var c = 0; c < values.Length; c++)
            {
                row[dataset.PartitionByOrdinals[c]] = values[c];
            }

            partitions.Add(PartitionHasher.PartitionOf(dataset, row, 0));
        }

        return partitions.ToArray();
    }
}
