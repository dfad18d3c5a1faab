using Mallard.Ownership;
using Mallard.Partitions;
using Mallard.Tests.Http;

namespace Mallard.Tests.Security;

/// <summary>Grain entry points a raw Orleans client could call take sizes from the contract, not from the caller.</summary>
public sealed class GrainArgumentTests : IAsyncLifetime
{
    private readonly MallardHosts _hosts = new();

    public Task InitializeAsync() => _hosts.InitializeAsync();

    public Task DisposeAsync() => _hosts.DisposeAsync();

    [Theory]
    [InlineData("page_views", 100_000_000, ErrorCodes.UnknownPartition)]
    [InlineData("page_views", 9, ErrorCodes.UnknownPartition)]
    [InlineData("no_such_dataset", 8, ErrorCodes.UnknownDataset)]
    public async Task OwnershipMap_askedForAPartitionCountOrDatasetOutsideTheContract_refuses(string dataset, int partitions, string code)
    {
        var map = _hosts.SiloGrains.GetGrain<IShardOwnershipGrain>(IShardOwnershipGrain.MapKey);
        var refusal = await Assert.ThrowsAsync<PartitionException>(() => map.GetDatasetAsync(dataset, partitions));
        Assert.Equal(code, refusal.Code);
        Assert.Empty((await map.GetMapAsync()).Datasets);
    }

    [Fact]
    public async Task IdempotencyGrain_askedToProbeAPartitionOutsideTheContract_refuses()
    {
        var grain = _hosts.SiloGrains.GetGrain<IIdempotencyGrain>(IdempotencyKeys.GrainKeyFor("page_views", "batch-x"));
        var refusal = await Assert.ThrowsAsync<PartitionException>(() => grain.BeginForPartitionsAsync("batch-x", "hash", [0, 4096]));
        Assert.Equal(ErrorCodes.UnknownPartition, refusal.Code);
    }
}
