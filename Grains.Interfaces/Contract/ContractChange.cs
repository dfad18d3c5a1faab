namespace Mallard.Contract;

/// <summary>One classified difference between two contracts.</summary>
public sealed record ContractChange(string? Dataset, ChangeClass Class, string Description);
