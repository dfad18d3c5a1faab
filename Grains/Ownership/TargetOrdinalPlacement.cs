namespace Mallard.Grains.Ownership;

/// <summary>Places a grain keyed <c>ordinal:…</c> on the silo with that ordinal (a move's receiver on its target).</summary>
[GenerateSerializer, Immutable, Alias("mallard.TargetOrdinalPlacement")]
public sealed class TargetOrdinalPlacement : PlacementStrategy
{
}
