using Mallard.Contract;

namespace Mallard.Partitions;

/// <summary>
/// The shape of one partition's answer to an aggregate query, shared by the shard that produces it
/// and the gateway that merges it: the groupBy columns, then each aggregate's columns in query
/// order. Count, sum, min and max take one column; avg takes two, the partition's mean and the
/// count it is over, so the gateway can weight means by count instead of averaging averages.
/// </summary>
public sealed class PartialAggregateLayout
{
    private readonly int[] _firstColumnOf;

    private PartialAggregateLayout(IReadOnlyList<PartialColumn> columns, int groupWidth, int[] firstColumnOf, ResultColumn[] output)
    {
        Columns = columns;
        GroupWidth = groupWidth;
        _firstColumnOf = firstColumnOf;
        Output = output;
    }

    /// <summary>The partial result's columns, in order.</summary>
    public IReadOnlyList<PartialColumn> Columns { get; }

    /// <summary>How many leading columns are groupBy values.</summary>
    public int GroupWidth { get; }

    /// <summary>The merged result's columns: the groupBy columns, then one per aggregate under its alias.</summary>
    public IReadOnlyList<ResultColumn> Output { get; }

    /// <summary>The position of aggregate <paramref name="aggregate"/>'s first (for avg: mean) column.</summary>
    public int FirstColumnOf(int aggregate) => _firstColumnOf[aggregate];

    /// <summary>The layout of <paramref name="query"/>'s partial results over <paramref name="dataset"/>.</summary>
    /// <exception cref="PartitionException"><c>bad_query</c> for an unknown column or an aggregate its column's type does not allow.</exception>
    public static PartialAggregateLayout For(DatasetDefinition dataset, PartitionQuery query)
    {
        var columns = new List<PartialColumn>();
        var output = new List<ResultColumn>();
        foreach (var name in query.GroupBy)
        {
            var group = new ResultColumn(name, RequireColumn(dataset, name).Type);
            columns.Add(new PartialColumn(group, PartialColumnRole.Group, -1));
            output.Add(group);
        }

        var firstColumnOf = new int[query.Aggregates.Length];
        for (var a = 0; a < query.Aggregates.Length; a++)
        {
            var aggregate = query.Aggregates[a];
            firstColumnOf[a] = columns.Count;
            var type = ResultType(dataset, aggregate);
            if (aggregate.Function == AggregateFunction.Avg)
            {
                columns.Add(new PartialColumn(new ResultColumn(aggregate.Alias + "$avg", ColumnType.Float64), PartialColumnRole.Mean, a));
                columns.Add(new PartialColumn(new ResultColumn(aggregate.Alias + "$count", ColumnType.Int64), PartialColumnRole.MeanCount, a));
            }
            else
            {
                columns.Add(new PartialColumn(new ResultColumn(aggregate.Alias, type), PartialColumnRole.Value, a));
            }

            output.Add(new ResultColumn(aggregate.Alias, type));
        }

        return new PartialAggregateLayout(columns, query.GroupBy.Length, firstColumnOf, output.ToArray());
    }

    private static ColumnType ResultType(DatasetDefinition dataset, QueryAggregate aggregate)
    {
        if (aggregate.Column is null)
        {
            return aggregate.Function == AggregateFunction.Count
                ? ColumnType.Int64
                : throw new PartitionException(ErrorCodes.BadQuery, $"aggregate '{aggregate.Alias}' needs a column");
        }

        var type = RequireColumn(dataset, aggregate.Column).Type;
        if (!AggregateTypes.Accepts(aggregate.Function, type))
        {
            throw new PartitionException(ErrorCodes.BadQuery, $"aggregate '{aggregate.Alias}' cannot {aggregate.Function.ToString().ToLowerInvariant()} a {type} column");
        }

        return aggregate.Function switch
        {
            AggregateFunction.Count => ColumnType.Int64,
            AggregateFunction.Sum => AggregateTypes.SumType(type),
            AggregateFunction.Avg => ColumnType.Float64,
            AggregateFunction.Min or AggregateFunction.Max => type,
            _ => throw new PartitionException(ErrorCodes.BadQuery, $"unknown aggregate {aggregate.Function}"),
        };
    }

    private static ColumnDefinition RequireColumn(DatasetDefinition dataset, string name) =>
        dataset.TryGetColumn(name, out var column)
            ? column
            : throw new PartitionException(ErrorCodes.BadQuery, $"dataset '{dataset.Name}' has no column '{name}'");
}
