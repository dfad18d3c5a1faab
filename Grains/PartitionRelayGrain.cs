using Mallard.Partitions;
using Orleans.Concurrency;

namespace Mallard.Grains;

/// <summary>
/// Forwards the gateway's calls from the silo it is connected to (see <see cref="IPartitionRelayGrain"/>).
/// Stateless and reentrant: one activation per core, each carrying any number of calls at once.
/// A partition that answers <c>partition_moving</c> refused the call before doing anything, and
/// its switch takes moments, so the relay retries it for a short while: a move then shows as
/// latency, and only a switch that takes longer reaches the client as a 503 with Retry-After.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class PartitionRelayGrain : Grain, IPartitionRelayGrain
{
    private static readonly TimeSpan[] MovingRetries = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)];

    public Task<PartitionReceipt> AppendAsync(string dataset, int partition, RecordBatch batch) =>
        RetryWhileMovingAsync(() => GrainFactory.GetPartition(dataset, partition).AppendAsync(batch));

    public Task<PartialResult> QueryAsync(string dataset, int partition, PartitionQuery query) =>
        RetryWhileMovingAsync(() => GrainFactory.GetPartition(dataset, partition).QueryAsync(query));

    public Task<PartialResult> QueryWithinAsync(string dataset, int partition, PartitionQuery query, CancellationToken cancellationToken) =>
        RetryWhileMovingAsync(() => GrainFactory.GetPartition(dataset, partition).QueryWithinAsync(query, cancellationToken), cancellationToken);

    public async Task<PartitionQueryOutcome[]> QueryManyWithinAsync(string dataset, int[] partitions, PartitionQuery query, CancellationToken cancellationToken)
    {
        var result = await Fanout.CallAsync(partitions, partition => QueryWithinAsync(dataset, partition, query, cancellationToken));
        return [.. partitions.Select(partition => result.Succeeded.TryGetValue(partition, out var answer)
            ? new PartitionQueryOutcome(partition, answer, null)
            : new PartitionQueryOutcome(partition, null, result.Failed[partition]))];
    }

    public Task<PartitionStats> GetStatsAsync(string dataset, int partition) =>
        RetryWhileMovingAsync(() => GrainFactory.GetPartition(dataset, partition).GetStatsAsync());

    public Task<IdempotencyDecision> BeginRoutedBatchAsync(string key, string batchId, string requestHash, int[] partitions) =>
        GrainFactory.GetGrain<IIdempotencyGrain>(key).BeginForPartitionsAsync(batchId, requestHash, partitions);

    public Task<IdempotencyDecision> BeginBatchAsync(string key, string batchId, string requestHash) =>
        GrainFactory.GetGrain<IIdempotencyGrain>(key).BeginAsync(batchId, requestHash);

    public Task EndBatchAsync(string key, string requestHash) =>
        GrainFactory.GetGrain<IIdempotencyGrain>(key).EndAsync(requestHash);

    private static async Task<T> RetryWhileMovingAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken = default)
    {
        foreach (var wait in MovingRetries)
        {
            try
            {
                return await call();
            }
            catch (PartitionException e) when (e.Code == ErrorCodes.PartitionMoving)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }

        return await call();
    }
}
