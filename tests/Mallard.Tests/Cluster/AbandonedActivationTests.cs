using Mallard.Contract;
using Mallard.Grains;
using Mallard.Grains.Ownership;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Mallard.Tests.Cluster;

/// <summary>
/// Orleans gives up on an activation past its activation timeout (and never deactivates one that
/// failed) while the grain's OnActivateAsync runs on. A shard opened by such an activation must be
/// closed by it, or the silo's catalog keeps the file open and every later activation of the
/// partition on that silo fails (CI saw a partition refuse writes for the rest of a run).
/// </summary>
public sealed class AbandonedActivationTests
{
    [Fact]
    public async Task Activation_givenUpByOrleansAfterTheShardOpened_closesTheShard_andTheNextActivationServes()
    {
        using var data = new TempDirectory("mallard-abandoned");
        var store = new StallingOwnershipStore();
        var contract = ContractLoader.Parse(Batches.EventsContract, "events.yaml");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mallard:Shards:DataDirectory"] = data.Path })
            .Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<IOwnershipStore>(store);
            silo.Services.Configure<GrainCollectionOptions>(o => o.ActivationTimeout = TimeSpan.FromSeconds(1));
            silo.AddMallardPartitions(contract, configuration).AddMemoryGrainStorage(ShardOwnershipGrain.StorageName);
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grain = cluster.Client.GetPartition("events", 0);

        // The first activation opens the shard, then waits on its fencing epoch past the timeout.
        var first = grain.GetStatsAsync();
        await store.EpochRequested;
        await Assert.ThrowsAnyAsync<Exception>(() => first);

        // The store answers late; the abandoned activation must give its shard back.
        store.Release();
        var batch = Batches.Events(Guid.NewGuid().ToString("N"), 1_000_000, 10);
        var receipt = await RetryWhileUnavailableAsync(() => grain.AppendAsync(batch));

        Assert.Equal(10, receipt.Accepted);
        Assert.Equal(10, (await grain.GetStatsAsync()).Rows);
    }

    // A refusal while the abandoned activation still closes the shard is transient (503 with
    // Retry-After at the gateway); a failure of any other kind, or one lasting 30 s, is not.
    private static async Task<T> RetryWhileUnavailableAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (PartitionException e) when (e.Code == ErrorCodes.PartitionUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The embedded store, except that the first epoch is answered only when the test says so.</summary>
    private sealed class StallingOwnershipStore : IOwnershipStore
    {
        private readonly MemoryOwnershipStore _inner = new();
        private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task EpochRequested => _requested.Task;

        public void Release() => _released.TrySetResult();

        public async Task<long?> TakeEpochAsync(string dataset, int partition, int ordinal, long floor, CancellationToken cancellationToken = default)
        {
            _requested.TrySetResult();

            // Deaf to the activation's cancellation, as a slow database round trip is.
            await _released.Task;
            return await _inner.TakeEpochAsync(dataset, partition, ordinal, floor, CancellationToken.None);
        }

        public Task<int[]> ReadDatasetAsync(string dataset, CancellationToken cancellationToken = default) => _inner.ReadDatasetAsync(dataset, cancellationToken);

        public Task<int[]> AssignAsync(string dataset, int[] owners, CancellationToken cancellationToken = default) => _inner.AssignAsync(dataset, owners, cancellationToken);

        public Task<PartitionOwnership?> ReadAsync(string dataset, int partition, CancellationToken cancellationToken = default) => _inner.ReadAsync(dataset, partition, cancellationToken);

        public Task<bool> SwitchAsync(string dataset, int partition, int from, long epoch, int to, CancellationToken cancellationToken = default) =>
            _inner.SwitchAsync(dataset, partition, from, epoch, to, cancellationToken);

        public Task<IReadOnlyDictionary<string, int[]>> ReadMapAsync(CancellationToken cancellationToken = default) => _inner.ReadMapAsync(cancellationToken);

        public Task<IReadOnlySet<int>> ReadDrainedAsync(CancellationToken cancellationToken = default) => _inner.ReadDrainedAsync(cancellationToken);

        public Task SetDrainedAsync(int ordinal, bool drained, CancellationToken cancellationToken = default) => _inner.SetDrainedAsync(ordinal, drained, cancellationToken);
    }
}
