using Mallard.Contract;

namespace Mallard.Partitions;

/// <summary>A named, typed column of a query result.</summary>
[GenerateSerializer, Immutable, Alias("mallard.ResultColumn")]
public sealed record ResultColumn(
    [property: Id(0)] string Name,
    [property: Id(1)] ColumnType Type);
