using System.Globalization;
using Mallard.Contract;
using Mallard.Grains.Ownership;
using Mallard.Grains.Shards;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Mallard.Grains;

/// <summary>Registers what partition grains need in a silo.</summary>
public static class MallardSiloExtensions
{
    /// <summary>
    /// Adds the contract, the shard catalog (options bound once from <c>Mallard:Shards</c> and
    /// checked here), the silo's place in the cluster (<paramref name="topology"/>, as the host
    /// resolved it; its ordinal is published as silo metadata; default ordinal 0 of 1) and the
    /// placement that puts each partition on its owner. The host registers the grain storage named
    /// <see cref="ShardOwnershipGrain.StorageName"/>.
    /// </summary>
    public static ISiloBuilder AddMallardPartitions(this ISiloBuilder silo, ContractDefinition contract, IConfiguration configuration, ClusterTopologyOptions? topology = null)
    {
        topology ??= new ClusterTopologyOptions();
        silo.UseSiloMetadata(new Dictionary<string, string>
        {
            [ClusterTopologyOptions.OrdinalMetadataKey] = topology.Ordinal.ToString(CultureInfo.InvariantCulture),
        });
        silo.AddPlacementDirector<ShardOwnerPlacement, ShardOwnerPlacementDirector>();
        silo.AddPlacementDirector<TargetOrdinalPlacement, TargetOrdinalPlacementDirector>();

        var services = silo.Services;
        services.AddSingleton(contract);
        services.AddSingleton(Options.Create(ShardOptions.Read(configuration)));
        services.AddSingleton(Options.Create(topology));
        services.AddSingleton<ShardCatalog>();
        services.AddSingleton<ShardMetrics>();
        services.AddSingleton<PartitionGauges>();
        services.AddSingleton<CommitGate>();
        services.AddSingleton<PartitionOwners>();
        services.AddSingleton<ActiveOrdinals>();
        services.AddSingleton<Mallard.Grains.Moves.IncomingShards>();
        services.AddSingleton<Mallard.Grains.Moves.MoveMetrics>();
        services.TryAddSingleton<IOwnershipStore, MemoryOwnershipStore>();
        services.AddSingleton<SiloOrdinals>();
        services.AddSingleton(Options.Create(IdempotencyOptions.Read(configuration)));
        services.AddSingleton(Options.Create(Rebalancing.RebalanceOptions.Read(configuration)));
        services.AddHostedService<Rebalancing.ClusterUpkeep>();
        services.TryAddSingleton(TimeProvider.System);
        return silo;
    }
}
