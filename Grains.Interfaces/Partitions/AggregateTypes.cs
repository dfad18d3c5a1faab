using Mallard.Contract;

namespace Mallard.Partitions;

/// <summary>Which column types each aggregate accepts, and the type it answers in: the one rule the gateway validates by and the shard computes by.</summary>
public static class AggregateTypes
{
    /// <summary>Whether <paramref name="function"/> accepts a column of <paramref name="type"/> (sum and avg need a number).</summary>
    public static bool Accepts(AggregateFunction function, ColumnType type) =>
        function is not (AggregateFunction.Sum or AggregateFunction.Avg) || IsNumeric(type);

    /// <summary>int32, int64, float64 or decimal.</summary>
    public static bool IsNumeric(ColumnType type) =>
        type.Kind is ColumnKind.Int32 or ColumnKind.Int64 or ColumnKind.Float64 or ColumnKind.Decimal;

    /// <summary>
    /// The type a sum of <paramref name="type"/> is computed and returned in: int64 for integers
    /// (checked, never wrapped), float64 for floats, the widest decimal of the same scale for decimals.
    /// </summary>
    /// <exception cref="PartitionException"><c>bad_query</c> for a non-numeric column.</exception>
    public static ColumnType SumType(ColumnType type) => type.Kind switch
    {
        ColumnKind.Int32 or ColumnKind.Int64 => ColumnType.Int64,
        ColumnKind.Float64 => ColumnType.Float64,
        ColumnKind.Decimal => ColumnType.Decimal(ColumnType.MaxDecimalPrecision, type.Scale),
        _ => throw new PartitionException(ErrorCodes.BadQuery, $"sum needs a numeric column, not {type}"),
    };
}
