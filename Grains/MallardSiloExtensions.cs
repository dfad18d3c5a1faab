using Mallard.Contract;
using Mallard.Grains.Shards;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mallard.Grains;

/// <summary>Registers what partition grains need in a silo.</summary>
public static class MallardSiloExtensions
{
    /// <summary>Adds the contract and the shard catalog, with shard options from <c>Mallard:Shards</c>.</summary>
    public static IServiceCollection AddMallardPartitions(this IServiceCollection services, ContractDefinition contract, IConfiguration configuration)
    {
        services.AddSingleton(contract);
        services.AddOptions<ShardOptions>().Bind(configuration.GetSection(ShardOptions.Section));
        services.AddSingleton<ShardCatalog>();
        services.AddSingleton<ShardMetrics>();
        services.AddSingleton<PartitionGauges>();
        services.AddSingleton<CommitGate>();
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
