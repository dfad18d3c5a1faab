using System.Globalization;
using Mallard.Contract;
using Mallard.Grains.Ownership;
using Mallard.Grains.Shards;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Mallard.Grains;

/// <summary>Registers what partition grains need in a silo.</summary>
public static class MallardSiloExtensions
{
    /// <summary>
    /// Adds the contract, the shard catalog (options from <c>Mallard:Shards</c>), the silo's place in
    /// the cluster (<c>Mallard:Cluster:Ordinal</c>, <c>Mallard:Cluster:Silos</c>, published as silo
    /// metadata) and the placement that puts each partition on its owner. The host registers the
    /// grain storage named <see cref="ShardOwnershipGrain.StorageName"/>.
    /// </summary>
    public static ISiloBuilder AddMallardPartitions(this ISiloBuilder silo, ContractDefinition contract, IConfiguration configuration)
    {
        var ordinal = configuration.GetValue(ClusterTopologyOptions.Section + ":Ordinal", 0);
        silo.UseSiloMetadata(new Dictionary<string, string>
        {
            [ClusterTopologyOptions.OrdinalMetadataKey] = ordinal.ToString(CultureInfo.InvariantCulture),
        });
        silo.AddPlacementDirector<ShardOwnerPlacement, ShardOwnerPlacementDirector>();

        var services = silo.Services;
        services.AddSingleton(contract);
        services.AddOptions<ShardOptions>().Bind(configuration.GetSection(ShardOptions.Section));
        services.AddOptions<ClusterTopologyOptions>().Bind(configuration.GetSection(ClusterTopologyOptions.Section));
        services.AddSingleton<ShardCatalog>();
        services.AddSingleton<ShardMetrics>();
        services.AddSingleton<PartitionGauges>();
        services.AddSingleton<CommitGate>();
        services.AddSingleton<ShardOwnershipCache>();
        services.AddSingleton<SiloOrdinals>();
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        return silo;
    }
}
