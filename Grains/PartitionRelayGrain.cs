using Mallard.Partitions;
using Orleans.Concurrency;

namespace Mallard.Grains;

/// <summary>
/// Forwards the gateway's calls from the silo it is connected to (see <see cref="IPartitionRelayGrain"/>).
/// Stateless and reentrant: one activation per core, each carrying any number of calls at once.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class PartitionRelayGrain : Grain, IPartitionRelayGrain
{
    public Task<PartitionReceipt> AppendAsync(string dataset, int partition, RecordBatch batch) =>
        GrainFactory.GetPartition(dataset, partition).AppendAsync(batch);

    public Task<PartialResult> QueryAsync(string dataset, int partition, PartitionQuery query) =>
        GrainFactory.GetPartition(dataset, partition).QueryAsync(query);

    public Task<PartitionStats> GetStatsAsync(string dataset, int partition) =>
        GrainFactory.GetPartition(dataset, partition).GetStatsAsync();

    public Task<IdempotencyDecision> BeginBatchAsync(string key, string batchId, string requestHash) =>
        GrainFactory.GetGrain<IIdempotencyGrain>(key).BeginAsync(batchId, requestHash);

    public Task EndBatchAsync(string key, string requestHash) =>
        GrainFactory.GetGrain<IIdempotencyGrain>(key).EndAsync(requestHash);
}
