namespace Mallard.Contract;

/// <summary>One classified change between two definitions of a dataset.</summary>
/// <param name="Kind">What the shard does for it.</param>
/// <param name="Class">Compatible, carried out by a migration, or breaking.</param>
/// <param name="Column">The column concerned, if any.</param>
/// <param name="Description">One line for people.</param>
/// <param name="NewName">For a rename, the new name.</param>
/// <param name="NewType">For a type change, the new type.</param>
public sealed record EvolutionStep(EvolutionStepKind Kind, ChangeClass Class, string? Column, string Description, string? NewName = null, ColumnType? NewType = null);
