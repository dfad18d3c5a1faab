namespace Mallard.Grains;

/// <summary>A contract that cannot replace the one a silo's data was written under.</summary>
public sealed class ContractEvolutionException(string message) : Exception(message);
