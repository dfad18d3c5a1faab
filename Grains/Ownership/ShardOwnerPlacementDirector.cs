using Mallard.Contract;
using Mallard.Partitions;
using Orleans.Runtime.Placement;

namespace Mallard.Grains.Ownership;

/// <summary>
/// Puts each partition grain on the silo that owns its shard. When the owner is not an active
/// member, placement fails at once with <c>partition_unavailable</c> instead of activating the
/// partition elsewhere over an empty shard. A key that is not a partition of the contract goes
/// to the local silo, where activation refuses it with the precise reason.
/// </summary>
public sealed class ShardOwnerPlacementDirector(ContractDefinition contract, PartitionOwners owners, SiloOrdinals ordinals) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silos = context.GetCompatibleSilos(target);
        if (!PartitionKey.TryParse(key, out var datasetName, out var partition)
            || !contract.TryGetDataset(datasetName, out var dataset)
            || partition >= dataset.Partitions)
        {
            return silos.Contains(context.LocalSilo) ? context.LocalSilo : silos[0];
        }

        var owner = (await owners.OwnerOfAsync(datasetName, partition, dataset.Partitions)).Owner;
        // The fail point counts only placements that could go wrong: a silo that does not yet see
        // the other silo places on the owner and leaves the misplacement for a later placement.
        if (silos.FirstOrDefault(s => ordinals.OrdinalOf(s) is { } ordinal && ordinal != owner) is { } elsewhere && Shards.FailPoints.Misplace(key))
        {
            return elsewhere;
        }

        foreach (var silo in silos)
        {
            if (ordinals.OrdinalOf(silo) == owner)
            {
                return silo;
            }
        }

        throw PartitionUnavailable.OwnerDown(key, owner);
    }
}
