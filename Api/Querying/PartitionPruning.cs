using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Querying;

/// <summary>
/// The partitions a query must visit: when the filter pins every <c>partition_by</c> column with
/// <c>eq</c> or <c>in</c>, only the partitions those values hash to; otherwise all of them.
/// </summary>
public static class PartitionPruning
{
    /// <summary>Above this many value combinations the query simply visits every partition.</summary>
    public const int MaxCombinations = 1_000;

    /// <summary>The partitions to ask, ascending.</summary>
    public static IReadOnlyList<int> PartitionsFor(DatasetDefinition dataset, PartitionQuery query)
    {
        var all = Enumerable.Range(0, dataset.Partitions).ToArray();
        var choices = new List<ColumnVector>();
        foreach (var name in dataset.PartitionBy)
        {
            // Several pinning filters on one column intersect; the first is enough to bound the set,
            // and the partitions still apply every filter themselves.
            var pin = query.Filters.FirstOrDefault(f => f.Column == name && f.Operator is FilterOperator.Eq or FilterOperator.In && f.Values is not null);
            if (pin is null)
            {
                return all;
            }

            choices.Add(pin.Values!);
        }

        if (choices.Any(values => values.Count == 0))
        {
            // An empty `in` matches nothing; one partition answers with the right (empty) shape.
            return [0];
        }

        // Multiplied step by step and stopped at the cap: an unchecked product of several long
        // `in` lists can wrap (to 0, even), and a wrapped count would visit too few partitions.
        long combinations = 1;
        foreach (var values in choices)
        {
            combinations *= values.Count;
            if (combinations > MaxCombinations)
            {
                return all;
            }
        }

        var partitions = new SortedSet<int>();
        var row = new ColumnVector[dataset.Columns.Count];
        var indexes = new int[choices.Count];
        for (var combination = 0L; combination < combinations; combination++)
        {
            var rest = combination;
            for (var c = choices.Count - 1; c >= 0; c--)
            {
                indexes[c] = (int)(rest % choices[c].Count);
                rest /= choices[c].Count;
                row[dataset.PartitionByOrdinals[c]] = choices[c].Gather([indexes[c]]);
            }

            partitions.Add(PartitionHasher.PartitionOf(dataset, row, 0));
        }

        return partitions.ToArray();
    }
}
