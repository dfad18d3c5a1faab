using Microsoft.Extensions.Logging;

namespace Mallard.Grains;

/// <summary>The partition grain's log lines (structured; never payloads).</summary>
public sealed partial class PartitionGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} activated on shard {ShardPath} at epoch {Epoch}")]
    private partial void LogActivated(string partitionKey, string shardPath, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} deactivated ({Reason})")]
    private partial void LogDeactivated(string partitionKey, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} evolved to contract v{ContractVersion}: {Step}")]
    private partial void LogEvolved(string partitionKey, int contractVersion, string step);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {PartitionKey} refuses reads and writes ({Reason}): {Detail}")]
    private partial void LogRefused(Exception exception, string partitionKey, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {PartitionKey} failed to activate (or was given up by Orleans past its activation timeout); its shard is closed again")]
    private partial void LogActivationFailed(Exception exception, string partitionKey);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {PartitionKey} failed to commit a group of {Batches} batch(es)")]
    private partial void LogCommitFailed(Exception exception, string partitionKey, int batches);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId} was already committed to {Dataset}/{Partition}; replayed its receipt")]
    private partial void LogReplayed(string dataset, int partition, string batchId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} move {MoveId}: {Phase} ({Value})")]
    private partial void LogMovePhase(string partitionKey, Guid moveId, string phase, long value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionKey} move {MoveId}: the store cannot be read to take the partition back; it stays sealed and tries again")]
    private partial void LogReclaimFailed(Exception exception, string partitionKey, Guid moveId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionKey} retired its shard file to {RetiredPath}")]
    private partial void LogRetired(string partitionKey, string retiredPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionKey}: pruning the batch ledger failed after a commit (the commit stands; the prune is tried again in a minute): {Reason}")]
    private partial void LogLedgerPruneFailed(string partitionKey, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionKey}: DuckDB refused a checkpoint between commits (the next group tries again): {Reason}")]
    private partial void LogCheckpointRefused(string partitionKey, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionKey}: the disk refused a run of stored-key hashes (the keys stay in memory and the next group tries again): {Reason}")]
    private partial void LogKeyRunFailed(string partitionKey, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionKey}: a commit ran out of the shard's memory while queries ran; {Queries} queries were interrupted (query_preempted) and the commit was retried")]
    private partial void LogQueriesPreempted(string partitionKey, int queries);
}
