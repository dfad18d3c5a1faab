namespace Mallard.Api.Views;

/// <summary>A migration the contract declares.</summary>
/// <param name="Version">The contract version that introduced it.</param>
/// <param name="Dataset">The dataset it changes.</param>
/// <param name="Change">What it does, in words.</param>
public sealed record MigrationView(int Version, string Dataset, string Change);
