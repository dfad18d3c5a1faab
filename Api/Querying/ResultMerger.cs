using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Querying;

/// <summary>
/// Merges partitions' partial results exactly: counts and sums add (checked), min and max compare,
/// averages combine partition means weighted by their counts, and ordering and limit apply after the merge.
/// </summary>
public static class ResultMerger
{
    /// <summary>Merges partial results of one query over <paramref name="dataset"/>.</summary>
    /// <exception cref="OverflowException">A merged sum exceeds its type.</exception>
    public static QueryResult Merge(DatasetDefinition dataset, PartitionQuery query, IReadOnlyList<PartialResult> partials) =>
        query.IsAggregate ? MergeAggregates(query, PartialAggregateLayout.For(dataset, query), partials) : MergeRows(query, partials);

    private static QueryResult MergeRows(PartitionQuery query, IReadOnlyList<PartialResult> partials)
    {
        var columns = partials[0].Columns;
        var rows = new List<object?[]>();
        foreach (var partial in partials)
        {
            for (var row = 0; row < partial.RowCount; row++)
            {
                var values = new object?[columns.Length];
                for (var c = 0; c < columns.Length; c++)
                {
                    values[c] = partial.Vectors[c].GetValue(row);
                }

                rows.Add(values);
            }
        }

        var sorted = Sort(rows, columns, query.OrderBy).Take(query.Limit);
        var width = query.Select.Length;
        return new QueryResult(columns[..width], sorted.Select(r => r[..width]).ToList());
    }

    private static QueryResult MergeAggregates(PartitionQuery query, PartialAggregateLayout layout, IReadOnlyList<PartialResult> partials)
    {
        var groupWidth = layout.GroupWidth;
        foreach (var partial in partials)
        {
            if (partial.Columns.Length != layout.Columns.Count)
            {
                throw new InvalidOperationException($"partition {partial.Partition} answered {partial.Columns.Length} columns; the query's partial layout has {layout.Columns.Count}");
            }
        }

        var groups = new Dictionary<object?[], object?[]>(ValueComparer.Instance);
        foreach (var partial in partials)
        {
            for (var row = 0; row < partial.RowCount; row++)
            {
                var key = new object?[groupWidth];
                for (var g = 0; g < groupWidth; g++)
                {
                    key[g] = partial.Vectors[g].GetValue(row);
                }

                if (!groups.TryGetValue(key, out var states))
                {
                    states = new object?[query.Aggregates.Length];
                    groups.Add(key, states);
                }

                for (var a = 0; a < query.Aggregates.Length; a++)
                {
                    var column = layout.FirstColumnOf(a);
                    states[a] = Combine(query.Aggregates[a].Function, layout.Columns[column].Column.Type.Kind, states[a], partial, column, row);
                }
            }
        }

        var rows = new List<object?[]>(groups.Count);
        foreach (var (key, states) in groups)
        {
            var values = new object?[layout.Output.Count];
            key.CopyTo(values, 0);
            for (var a = 0; a < states.Length; a++)
            {
                var value = states[a] is AverageState average
                    ? average.Count == 0 ? null : average.Mean
                    : states[a];
                if (value is double d && !double.IsFinite(d))
                {
                    throw new OverflowException($"aggregate '{query.Aggregates[a].Alias}' is outside the float64 range");
                }

                values[groupWidth + a] = value;
            }

            rows.Add(values);
        }

        var columns = layout.Output.ToArray();
        return new QueryResult(columns, Sort(rows, columns, query.OrderBy).Take(query.Limit).ToList());
    }

    private static object? Combine(AggregateFunction function, ColumnKind kind, object? state, PartialResult partial, int column, int row)
    {
        var value = partial.Vectors[column].GetValue(row);
        switch (function)
        {
            case AggregateFunction.Count:
                return checked((long)(state ?? 0L) + (long)value!);
            case AggregateFunction.Sum:
                if (value is null)
                {
                    return state;
                }

                return state is null
                    ? value
                    : value switch
                    {
                        long l => checked((long)state + l),
                        decimal d => (decimal)state + d,
                        double f => (double)state + f,
                        _ => throw new InvalidOperationException($"cannot sum {value.GetType().Name}"),
                    };
            case AggregateFunction.Min or AggregateFunction.Max:
                if (value is null)
                {
                    return state;
                }

                if (state is null)
                {
                    return value;
                }

                var order = ValueComparer.Compare(kind, value, state);
                return (function == AggregateFunction.Min ? order < 0 : order > 0) ? value : state;
            case AggregateFunction.Avg:
                // A count-weighted running mean: the same answer as total sum / total count, without
                // the intermediate sum that can overflow a double when the mean itself would not.
                var average = state as AverageState ?? new AverageState();
                // The layout puts an average's count right after its mean.
                var count = (long)partial.Vectors[column + 1].GetValue(row)!;
                if (value is double mean && count > 0)
                {
                    average.Count += count;
                    average.Mean += (mean - average.Mean) * ((double)count / average.Count);
                }

                return average;
            default:
                throw new InvalidOperationException($"unknown aggregate {function}");
        }
    }

    private static IEnumerable<object?[]> Sort(List<object?[]> rows, ResultColumn[] columns, QueryOrder[] orderBy)
    {
        if (orderBy.Length == 0)
        {
            return rows;
        }

        var keys = orderBy
            .Select(o => (Index: Array.FindIndex(columns, c => c.Name == o.Column), o.Descending))
            .Select(k => (k.Index, Kind: columns[k.Index].Type.Kind, k.Descending))
            .ToArray();
        rows.Sort((x, y) =>
        {
            foreach (var (index, kind, descending) in keys)
            {
                var order = ValueComparer.CompareForSort(kind, x[index], y[index], descending);
                if (order != 0)
                {
                    return order;
                }
            }

            return 0;
        });
        return rows;
    }

    private sealed class AverageState
    {
        public double Mean { get; set; }

        public long Count { get; set; }
    }
}
