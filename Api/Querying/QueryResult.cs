using Mallard.Partitions;

namespace Mallard.Api.Querying;

/// <summary>A merged query result: typed columns and boxed rows (bounded by the query limit).</summary>
public sealed record QueryResult(ResultColumn[] Columns, IReadOnlyList<object?[]> Rows);
