using Mallard.Contract;
using Mallard.Grains;
using Mallard.Tests.Support;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace Mallard.Tests.Cluster;

/// <summary>One in-process Orleans cluster with partition grains over shards in a temp folder.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("mallard-cluster");

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public ContractDefinition Contract { get; } = ContractLoader.Parse(Batches.EventsContract, "events.yaml");

    public IGrainFactory Grains => Cluster.Client;

    public string DataDirectory => _data.Path;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mallard:Shards:DataDirectory"] = _data.Path })
            .Build();
        builder.ConfigureSilo((_, silo) => silo.AddMallardPartitions(Contract, configuration).AddMemoryGrainStorage(Mallard.Grains.Ownership.ShardOwnershipGrain.StorageName));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _data.Dispose();
    }
}
