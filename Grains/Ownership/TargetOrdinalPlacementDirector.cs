using System.Globalization;
using Mallard.Partitions;
using Orleans.Runtime.Placement;

namespace Mallard.Grains.Ownership;

/// <summary>Puts a grain keyed <c>ordinal:…</c> on the active silo with that ordinal, or fails when there is none.</summary>
public sealed class TargetOrdinalPlacementDirector(SiloOrdinals ordinals) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(key.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            throw new PartitionException(ErrorCodes.BadPartitionKey, $"'{key}' does not start with a target ordinal");
        }

        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (ordinals.OrdinalOf(silo) == ordinal)
            {
                return Task.FromResult(silo);
            }
        }

        throw new PartitionException(ErrorCodes.PartitionUnavailable, $"ordinal {ordinal} is not an active member; nothing can move to it");
    }
}
