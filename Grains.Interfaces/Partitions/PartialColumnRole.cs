namespace Mallard.Partitions;

/// <summary>What one column of a partition's partial aggregate result holds.</summary>
public enum PartialColumnRole
{
    /// <summary>A groupBy column's value.</summary>
    Group,

    /// <summary>A count, sum, min or max over the partition.</summary>
    Value,

    /// <summary>An average's mean over the partition.</summary>
    Mean,

    /// <summary>The number of non-null values an average's mean is over.</summary>
    MeanCount,
}
