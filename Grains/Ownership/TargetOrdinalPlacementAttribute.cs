using Orleans.Placement;

namespace Mallard.Grains.Ownership;

/// <summary>Marks a grain class as placed by <see cref="TargetOrdinalPlacementDirector"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TargetOrdinalPlacementAttribute() : PlacementAttribute(new TargetOrdinalPlacement())
{
}
