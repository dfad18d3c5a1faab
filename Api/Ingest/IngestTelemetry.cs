using System.Diagnostics;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// The metrics, log lines and spans of one ingest request. The handler says what happened; this
/// records it under the names docs/operations.md documents (the <c>outcome</c> label values below).
/// </summary>
public sealed partial class IngestTelemetry(string dataset, GatewayMetrics metrics, ILogger logger)
{
    /// <summary>Outcome label: the body exceeded the limit.</summary>
    public const string BodyTooLarge = ErrorCodes.BodyTooLarge;

    /// <summary>Outcome label: the body was not well-formed.</summary>
    public const string Malformed = "malformed";

    /// <summary>Outcome label: too many records.</summary>
    public const string TooManyRecords = ErrorCodes.TooManyRecords;

    /// <summary>Outcome label: records broke the contract.</summary>
    public const string InvalidRecords = ErrorCodes.InvalidRecords;

    /// <summary>Outcome label: the Idempotency-Key was in flight.</summary>
    public const string IdempotencyInFlight = "idempotency_in_flight";

    /// <summary>Outcome label: the Idempotency-Key was used for another body.</summary>
    public const string IdempotencyKeyReused = ErrorCodes.IdempotencyKeyReused;

    /// <summary>Outcome label: a partition (or the idempotency check) failed.</summary>
    public const string PartitionFailed = "partition_failed";

    /// <summary>Counts and logs a refused batch; returns <paramref name="problem"/> for the handler to answer with.</summary>
    public IResult Refused(string outcome, int records, IResult problem, bool countRecords = false)
    {
        LogRejected(logger, dataset, outcome, records);
        metrics.BatchRejected(dataset, outcome);
        metrics.History.Refused(dataset, retryable: outcome is IdempotencyInFlight or PartitionFailed, countRecords ? records : 0);
        if (countRecords)
        {
            metrics.RecordsRejected(dataset, outcome, records);
        }

        return problem;
    }

    /// <summary>Runs the decoder inside the <c>mallard.ingest.validate</c> span.</summary>
    public DecodedBatch Validate(int bodyBytes, Func<DecodedBatch> decode)
    {
        using var span = MallardTelemetry.Source.StartActivity("mallard.ingest.validate");
        var decoded = decode();
        span?.SetTag("mallard.dataset", dataset);
        span?.SetTag("mallard.records", decoded.RecordCount);
        span?.SetTag("mallard.errors", decoded.TotalErrors);
        span?.SetTag("mallard.body_bytes", bodyBytes);
        return decoded;
    }

    /// <summary>Starts the <c>mallard.ingest.fanout</c> span; the grain calls are its children.</summary>
    public Activity? StartFanout(string batchId, int partitions, int records)
    {
        var span = MallardTelemetry.Source.StartActivity("mallard.ingest.fanout");
        span?.SetTag("mallard.dataset", dataset);
        span?.SetTag("mallard.batch_id", batchId);
        span?.SetTag("mallard.partitions", partitions);
        span?.SetTag("mallard.records", records);
        return span;
    }

    /// <summary>Logs each failed partition and marks the fan-out failed.</summary>
    public void PartitionsFailed(Activity? fanout, string batchId, IReadOnlyDictionary<int, Exception> failures)
    {
        foreach (var (partition, failure) in failures)
        {
            LogPartitionFailed(logger, failure, dataset, partition, batchId);
        }

        fanout?.SetTag("mallard.outcome", PartitionFailed);
        fanout?.SetStatus(ActivityStatusCode.Error, $"partitions {string.Join(", ", failures.Keys)} failed");
    }

    /// <summary>Records an accepted batch.</summary>
    public void Accepted(Activity? fanout, IngestReceipt receipt, TimeSpan elapsed)
    {
        metrics.BatchAccepted(dataset, receipt.Accepted, receipt.Duplicates, elapsed);
        fanout?.SetTag("mallard.outcome", "accepted");
        fanout?.SetTag("mallard.accepted", receipt.Accepted);
        fanout?.SetTag("mallard.duplicates", receipt.Duplicates);
    }

    /// <summary>Logs a failed call to the key's idempotency grain (begin or end).</summary>
    public void IdempotencyFailed(Exception failure, string batchId, string step) =>
        LogIdempotencyFailed(logger, failure, dataset, step, batchId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a batch for {Dataset}: {Reason} ({Records} records)")]
    private static partial void LogRejected(ILogger logger, string dataset, string reason, int records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Dataset}/{Partition} failed batch {BatchId}")]
    private static partial void LogPartitionFailed(ILogger logger, Exception? exception, string dataset, int partition, string batchId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Idempotency {Step} for {Dataset} failed for batch {BatchId}")]
    private static partial void LogIdempotencyFailed(ILogger logger, Exception exception, string dataset, string step, string batchId);
}
