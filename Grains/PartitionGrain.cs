using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Microsoft.Extensions.Logging;

namespace Mallard.Grains;

/// <summary>
/// Owns one shard. Orleans runs its appends one at a time (the grain is not reentrant); queries and
/// stats are marked to interleave and read their own snapshot. All DuckDB work runs on the thread
/// pool, never on the grain scheduler. A shard that cannot be served under the current contract
/// (drift, a failed migration) is refused: every call fails with the reason, and the grain
/// deactivates when idle so the next call checks again.
/// </summary>
public sealed partial class PartitionGrain(ContractDefinition contract, ShardCatalog catalog, ShardMetrics metrics, ILogger<PartitionGrain> logger)
    : Grain, IPartitionGrain
{
    private Shard? _shard;
    private DatasetDefinition? _dataset;
    private PartitionException? _refusal;

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

        _dataset = dataset;
        try
        {
            _shard = await Task.Run(() => catalog.Open(dataset, partition), cancellationToken);
        }
        catch (PartitionException e)
        {
            _refusal = e;
            metrics.ShardRefused(datasetName, e.Code);
            LogRefused(e, key, e.Code, e.Message);
            return;
        }

        foreach (var step in _shard.AppliedSteps)
        {
            metrics.EvolutionStepApplied(datasetName, step.Kind.ToString());
            LogEvolved(key, contract.Version, step.Description);
        }

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
        var shard = Serve(batch.Contract);
        var receipt = await Task.Run(() => shard.Append(batch));
        if (receipt.Replayed)
        {
            LogReplayed(_dataset!.Name, shard.Partition, batch.BatchId);
        }

        return receipt;
    }

    public Task<PartialResult> QueryAsync(PartitionQuery query)
    {
        var shard = Serve(query.Contract);
        return Task.Run(() => shard.Query(query));
    }

    public Task<BatchLedgerEntry?> FindBatchAsync(string batchId)
    {
        var shard = Serve(stamp: null);
        return Task.Run(() => shard.FindBatch(batchId));
    }

    public Task<PartitionStats> GetStatsAsync()
    {
        var shard = Serve(stamp: null);
        return Task.Run(shard.Stats);
    }

    private Shard Serve(ContractStamp? stamp)
    {
        if (_refusal is { } refusal)
        {
            DeactivateOnIdle();
            throw new PartitionException(refusal.Code, refusal.Message);
        }

        if (stamp is not null && stamp.DatasetHash != _dataset!.Hash)
        {
            throw new PartitionException(
                "contract_mismatch",
                $"the gateway validated against contract v{stamp.Version} ('{_dataset.Name}' definition {stamp.DatasetHash}); this silo holds v{contract.Version} (definition {_dataset.Hash})");
        }

        return _shard ?? throw new InvalidOperationException("partition is not activated");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} activated on shard {ShardPath}")]
    private partial void LogActivated(string partitionKey, string shardPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} deactivated ({Reason})")]
    private partial void LogDeactivated(string partitionKey, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} evolved to contract v{ContractVersion}: {Step}")]
    private partial void LogEvolved(string partitionKey, int contractVersion, string step);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {PartitionKey} refuses reads and writes ({Reason}): {Detail}")]
    private partial void LogRefused(Exception exception, string partitionKey, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId} was already committed to {Dataset}/{Partition}; replayed its receipt")]
    private partial void LogReplayed(string dataset, int partition, string batchId);
}
