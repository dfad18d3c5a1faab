using Orleans.Placement;

namespace Mallard.Grains.Ownership;

/// <summary>Marks a grain class as placed by <see cref="ShardOwnerPlacementDirector"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardOwnerPlacementAttribute() : PlacementAttribute(new ShardOwnerPlacement())
{
}
