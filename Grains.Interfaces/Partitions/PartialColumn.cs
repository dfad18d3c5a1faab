namespace Mallard.Partitions;

/// <summary>One column of a partial aggregate result.</summary>
/// <param name="Column">Its name and type on the wire.</param>
/// <param name="Role">What it holds.</param>
/// <param name="Aggregate">The index of its aggregate in the query, or -1 for a group column.</param>
public sealed record PartialColumn(ResultColumn Column, PartialColumnRole Role, int Aggregate);
