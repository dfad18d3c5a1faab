namespace Mallard.Partitions;

/// <summary>Aggregate functions a query may compute.</summary>
public enum AggregateFunction
{
    /// <summary>Number of rows, or of non-null values of a column.</summary>
    Count,
    /// <summary>Sum of a numeric column.</summary>
    Sum,
    /// <summary>Smallest value.</summary>
    Min,
    /// <summary>Largest value.</summary>
    Max,
    /// <summary>Mean of a numeric column, as float64.</summary>
    Avg,
}
