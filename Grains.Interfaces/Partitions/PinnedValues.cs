using Mallard.Contract;

namespace Mallard.Partitions;

/// <summary>
/// The values a query's filter pins on some columns with <c>eq</c> or <c>in</c>, and their
/// combinations: the gateway uses them to visit only the partitions the <c>partition_by</c> values
/// hash to, a shard to answer a lookup of keys it never stored without a scan.
/// </summary>
/// <param name="Pins">Per column, in the order asked for, the values its first pinning filter names.</param>
/// <param name="Combinations">How many value combinations the pins make (0 when an <c>in</c> is empty).</param>
public sealed record PinnedValues(ColumnVector[] Pins, int Combinations)
{
    /// <summary>Above this many combinations a caller treats the columns as not pinned.</summary>
    public const int MaxCombinations = 1_000;

    /// <summary>
    /// The pins of <paramref name="columns"/>, or null when one of them is not pinned (or pinned with
    /// values of another type) or the combinations exceed <see cref="MaxCombinations"/>. Several
    /// pinning filters on one column intersect; the first bounds the set, and the shards still apply
    /// every filter.
    /// </summary>
    public static PinnedValues? Find(PartitionQuery query, IEnumerable<ColumnDefinition> columns)
    {
        var pins = new List<ColumnVector>();
        // Multiplied step by step and stopped at the cap: an unchecked product of several long `in`
        // lists can wrap (to 0, even), and a wrapped count would visit too few partitions.
        long combinations = 1;
        foreach (var column in columns)
        {
            var pin = query.Filters.FirstOrDefault(f => f.Column == column.Name && f.Operator is FilterOperator.Eq or FilterOperator.In && f.Values is not null);
            if (pin is null || pin.Values!.Kind != column.Type.Kind)
            {
                return null;
            }

            pins.Add(pin.Values);
            combinations *= pin.Values.Count;
            if (combinations > MaxCombinations)
            {
                return null;
            }
        }

        return new PinnedValues([.. pins], (int)combinations);
    }

    /// <summary>Each combination in turn: one single-value vector per pinned column (the array is reused between steps).</summary>
    public IEnumerable<ColumnVector[]> EachCombination()
    {
        var values = new ColumnVector[Pins.Length];
        for (var combination = 0; combination < Combinations; combination++)
        {
            var rest = combination;
            for (var c = Pins.Length - 1; c >= 0; c--)
            {
                values[c] = Pins[c].Gather([rest % Pins[c].Count]);
                rest /= Pins[c].Count;
            }

            yield return values;
        }
    }
}
