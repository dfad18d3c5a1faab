namespace Mallard.Partitions;

/// <summary>Comparison operators of a query filter.</summary>
public enum FilterOperator
{
    /// <summary>Equal.</summary>
    Eq,
    /// <summary>Not equal.</summary>
    Ne,
    /// <summary>Less than.</summary>
    Lt,
    /// <summary>Less than or equal.</summary>
    Lte,
    /// <summary>Greater than.</summary>
    Gt,
    /// <summary>Greater than or equal.</summary>
    Gte,
    /// <summary>Equal to one of a list.</summary>
    In,
    /// <summary>Is null.</summary>
    IsNull,
    /// <summary>Is not null.</summary>
    NotNull,
}
