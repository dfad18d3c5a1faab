namespace Mallard.Partitions;

/// <summary>
/// A partition refused or failed an operation for a reason the caller can act on; <see cref="Code"/>
/// is stable (e.g. <c>sum_overflow</c>, <c>too_many_groups</c>, <c>shard_schema_mismatch</c>).
/// </summary>
[GenerateSerializer, Alias("mallard.PartitionException")]
public sealed class PartitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PartitionException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>A stable, machine-readable reason.</summary>
    [Id(0)]
    public string Code { get; init; }
}
