using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Microsoft.Extensions.Logging;

namespace Mallard.Grains;

/// <summary>
/// Owns one shard. Orleans runs its appends one at a time (the grain is not reentrant); queries and
/// stats are marked to interleave and read their own snapshot. All DuckDB work runs on the thread
/// pool, never on the grain scheduler.
/// </summary>
public sealed partial class PartitionGrain(ContractDefinition contract, ShardCatalog catalog, ILogger<PartitionGrain> logger)
    : Grain, IPartitionGrain
{
    private Shard? _shard;
    private string _dataset = "";

    private Shard Shard => _shard ?? throw new InvalidOperationException("partition is not activated");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        if (!PartitionKey.TryParse(key, out var datasetName, out var partition))
        {
            throw new PartitionException("bad_partition_key", $"'{key}' is not a partition key (dataset/partition)");
        }

        if (!contract.TryGetDataset(datasetName, out var dataset))
        {
            throw new PartitionException("unknown_dataset", $"dataset '{datasetName}' is not in contract version {contract.Version}");
        }

        if (partition >= dataset.Partitions)
        {
            throw new PartitionException("unknown_partition", $"dataset '{datasetName}' has {dataset.Partitions} partitions; {partition} does not exist");
        }

        _dataset = datasetName;
        _shard = await Task.Run(() => catalog.Open(dataset, partition), cancellationToken);
        LogActivated(key, _shard.Path);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_shard is { } shard)
        {
            _shard = null;
            await Task.Run(shard.Dispose, CancellationToken.None);
            LogDeactivated(this.GetPrimaryKeyString(), reason.ReasonCode.ToString());
        }
    }

    public async Task<PartitionReceipt> AppendAsync(RecordBatch batch)
    {
        var shard = Shard;
        var receipt = await Task.Run(() => shard.Append(batch));
        if (receipt.Replayed)
        {
            LogReplayed(_dataset, shard.Partition, batch.BatchId);
        }

        return receipt;
    }

    public Task<PartialResult> QueryAsync(PartitionQuery query)
    {
        var shard = Shard;
        return Task.Run(() => shard.Query(query));
    }

    public Task<PartitionStats> GetStatsAsync()
    {
        var shard = Shard;
        return Task.Run(shard.Stats);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} activated on shard {ShardPath}")]
    private partial void LogActivated(string partitionKey, string shardPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} deactivated ({Reason})")]
    private partial void LogDeactivated(string partitionKey, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId} was already committed to {Dataset}/{Partition}; replayed its receipt")]
    private partial void LogReplayed(string dataset, int partition, string batchId);
}
