namespace Mallard.Partitions;

/// <summary>
/// The gateway's way into the cluster: a stateless worker that lives on whichever silo the
/// gateway's Orleans client is connected to and forwards each call to its partition or
/// idempotency grain. The hop makes every call to a partition a call from a silo, and a silo fails
/// its outstanding calls to a silo the moment the cluster declares it dead; a call from an
/// external client that a dead silo had already received would instead wait out the whole
/// response timeout. Use <see cref="PartitionGrainExtensions.Relay"/>.
/// </summary>
public interface IPartitionRelayGrain : IGrainWithIntegerKey
{
    /// <summary><see cref="IPartitionGrain.AppendAsync"/> on <paramref name="dataset"/>/<paramref name="partition"/>.</summary>
    Task<PartitionReceipt> AppendAsync(string dataset, int partition, RecordBatch batch);

    /// <summary><see cref="IPartitionGrain.QueryAsync"/> on <paramref name="dataset"/>/<paramref name="partition"/>.</summary>
    Task<PartialResult> QueryAsync(string dataset, int partition, PartitionQuery query);

    /// <summary><see cref="IPartitionGrain.QueryWithinAsync"/> on <paramref name="dataset"/>/<paramref name="partition"/>.</summary>
    Task<PartialResult> QueryWithinAsync(string dataset, int partition, PartitionQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="IPartitionGrain.QueryWithinAsync"/> on each of <paramref name="partitions"/>,
    /// called from this silo at once: one call from the gateway instead of one per partition. Each
    /// partition's outcome is its own (some may answer while others fail), in the order given.
    /// </summary>
    Task<PartitionQueryOutcome[]> QueryManyWithinAsync(string dataset, int[] partitions, PartitionQuery query, CancellationToken cancellationToken);

    /// <summary><see cref="IPartitionGrain.GetStatsAsync"/> on <paramref name="dataset"/>/<paramref name="partition"/>.</summary>
    Task<PartitionStats> GetStatsAsync(string dataset, int partition);

    /// <summary><see cref="IIdempotencyGrain.BeginForPartitionsAsync"/> on the idempotency grain <paramref name="key"/>.</summary>
    Task<IdempotencyDecision> BeginRoutedBatchAsync(string key, string batchId, string requestHash, int[] partitions);

    /// <summary><see cref="IIdempotencyGrain.BeginAsync"/> (every partition probed): what a gateway one version behind calls during a rolling upgrade.</summary>
    Task<IdempotencyDecision> BeginBatchAsync(string key, string batchId, string requestHash);

    /// <summary><see cref="IIdempotencyGrain.EndAsync"/> on the idempotency grain <paramref name="key"/>.</summary>
    Task EndBatchAsync(string key, string requestHash);
}
