using System.Diagnostics;
using System.Security.Cryptography;
using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Ingest;

/// <summary><c>POST /v1/datasets/{dataset}/records</c>: validate a whole batch, route it, commit per partition.</summary>
public static partial class IngestEndpoints
{
    /// <summary>Maps the ingest route.</summary>
    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/datasets/{dataset}/records", IngestAsync);
        return routes;
    }

    private static async Task<IResult> IngestAsync(
        string dataset,
        HttpContext http,
        ContractDefinition contract,
        IGrainFactory grains,
        IOptions<GatewayOptions> options,
        GatewayMetrics metrics,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Mallard.Api.Ingest");
        if (!contract.TryGetDataset(dataset, out var definition))
        {
            return Problems.UnknownDataset(dataset);
        }

        var format = FormatOf(http.Request.ContentType);
        if (format is null)
        {
            return Problems.Create(
                StatusCodes.Status415UnsupportedMediaType,
                "unsupported_media_type",
                $"send records as application/json (an array of objects) or application/x-ndjson, not '{http.Request.ContentType}'");
        }

        var limits = options.Value;
        var body = await BodyReader.ReadAsync(http, limits.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            LogRejected(logger, dataset, "body_too_large", 0);
            metrics.BatchRejected(dataset, "body_too_large");
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"the request body exceeds {limits.MaxBodyBytes} bytes");
        }

        DecodedBatch decoded;
        using (var validate = MallardTelemetry.Source.StartActivity("mallard.ingest.validate"))
        {
            decoded = new RecordDecoder(definition, limits.MaxRecordsPerBatch, limits.MaxReportedErrors).Decode(body.Value.Span, format.Value);
            validate?.SetTag("mallard.dataset", dataset);
            validate?.SetTag("mallard.records", decoded.RecordCount);
            validate?.SetTag("mallard.errors", decoded.TotalErrors);
            validate?.SetTag("mallard.body_bytes", body.Value.Length);
        }

        if (decoded.MalformedBody is { } malformed)
        {
            metrics.BatchRejected(dataset, "malformed");
            LogRejected(logger, dataset, "malformed", decoded.RecordCount);
            return Problems.Create(StatusCodes.Status400BadRequest, "malformed_body", malformed);
        }

        if (decoded.TooManyRecords)
        {
            LogRejected(logger, dataset, "too_many_records", decoded.RecordCount);
            metrics.BatchRejected(dataset, "too_many_records");
            metrics.RecordsRejected(dataset, "too_many_records", decoded.RecordCount);
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "too_many_records", $"a batch may hold at most {limits.MaxRecordsPerBatch} records");
        }

        if (decoded.TotalErrors > 0)
        {
            metrics.BatchRejected(dataset, "invalid_records");
            metrics.RecordsRejected(dataset, "invalid_records", decoded.RecordCount);
            LogRejected(logger, dataset, "invalid_records", decoded.RecordCount);
            return Problems.Create(
                StatusCodes.Status422UnprocessableEntity,
                "invalid_records",
                $"{decoded.TotalErrors} error(s) in {decoded.RecordCount} record(s); nothing was written",
                new Dictionary<string, object?>
                {
                    ["errors"] = decoded.Errors.Select(e => new { index = e.Index, field = e.Field, code = e.Code, message = e.Message }).ToArray(),
                    ["totalErrors"] = decoded.TotalErrors,
                });
        }

        var idempotencyKey = http.Request.Headers["Idempotency-Key"].ToString();
        if (idempotencyKey.Length > 255 || idempotencyKey.Any(c => c < 0x20 || c > 0x7e))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "bad_idempotency_key", "an Idempotency-Key is 1 to 255 printable ASCII characters");
        }

        var requestHash = Convert.ToHexStringLower(SHA256.HashData(body.Value.Span));
        var batchId = idempotencyKey.Length == 0
            ? Guid.CreateVersion7().ToString("N")
            : IdempotencyKeys.BatchIdFor(dataset, idempotencyKey);
        var stopwatch = Stopwatch.StartNew();
        var routed = BatchRouter.Route(definition, new ContractStamp(contract.Version, definition.Hash), batchId, requestHash, decoded.Columns, decoded.RecordCount);

        var relay = grains.Relay();
        var idempotencyGrainKey = idempotencyKey.Length == 0 ? null : IdempotencyKeys.GrainKeyFor(dataset, batchId);
        if (idempotencyGrainKey is not null)
        {
            IdempotencyDecision decision;
            try
            {
                decision = await relay.BeginBatchAsync(idempotencyGrainKey, batchId, requestHash);
            }
            catch (Exception e)
            {
                LogPartitionFailed(logger, e, dataset, -1, batchId);
                http.Response.Headers.RetryAfter = "1";
                return Problems.Create(StatusCodes.Status503ServiceUnavailable, "cluster_unavailable", $"batch {batchId}: the cluster did not answer; retry with the same Idempotency-Key");
            }

            switch (decision)
            {
                case IdempotencyDecision.InFlight:
                    LogRejected(logger, dataset, "idempotency_key_in_flight", decoded.RecordCount);
                    metrics.BatchRejected(dataset, "idempotency_in_flight");
                    return Problems.Create(StatusCodes.Status409Conflict, "idempotency_key_in_flight", "a request with this Idempotency-Key is still being processed; retry after it finishes");
                case IdempotencyDecision.Mismatch:
                    LogRejected(logger, dataset, "idempotency_key_reused", decoded.RecordCount);
                    metrics.BatchRejected(dataset, "idempotency_key_reused");
                    return Problems.Create(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was already used with a different request body");
            }
        }

        using var fanout = MallardTelemetry.Source.StartActivity("mallard.ingest.fanout");
        fanout?.SetTag("mallard.dataset", dataset);
        fanout?.SetTag("mallard.batch_id", batchId);
        fanout?.SetTag("mallard.partitions", routed.Partitions.Count);
        fanout?.SetTag("mallard.records", decoded.RecordCount);
        try
        {
            var calls = routed.Partitions.ToDictionary(p => p.Key, p => relay.AppendAsync(dataset, p.Key, p.Value));
            try
            {
                await Task.WhenAll(calls.Values);
            }
            catch
            {
                // Examined per partition below: some may have committed.
            }

            var failed = calls.Where(c => !c.Value.IsCompletedSuccessfully).Select(c => c.Key).ToArray();
            if (failed.Length > 0)
            {
                foreach (var partition in failed)
                {
                    LogPartitionFailed(logger, calls[partition].Exception?.GetBaseException(), dataset, partition, batchId);
                }

                if (failed.Select(p => calls[p].Exception?.GetBaseException()).OfType<PartitionException>().FirstOrDefault(e => e.Code == "idempotency_conflict") is { } conflict)
                {
                    return Problems.Create(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", conflict.Message);
                }

                metrics.BatchRejected(dataset, "partition_failed");
                fanout?.SetTag("mallard.outcome", "partition_failed");
                fanout?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, $"partitions {string.Join(", ", failed)} failed");
                return PartitionFailures.ToProblem(
                    http,
                    dataset,
                    failed.ToDictionary(p => p, p => (Exception?)calls[p].Exception),
                    "partitions_failed",
                    new Dictionary<string, object?>
                    {
                        ["batchId"] = batchId,
                        ["committedPartitions"] = calls.Where(c => c.Value.IsCompletedSuccessfully)
                            .Select(c => new { partition = c.Key, accepted = c.Value.Result.Accepted }).ToArray(),
                    });
            }

            var receipts = calls.Values.Select(c => c.Result).ToArray();
            var receipt = IngestReceipt.Combine(dataset, batchId, contract.Version, receipts, routed.Duplicates);
            metrics.BatchAccepted(dataset, receipt.Accepted, receipt.Duplicates, stopwatch.Elapsed);
            fanout?.SetTag("mallard.outcome", "accepted");
            fanout?.SetTag("mallard.accepted", receipt.Accepted);
            fanout?.SetTag("mallard.duplicates", receipt.Duplicates);
            if (idempotencyGrainKey is not null && receipts.Length > 0 && receipts.All(r => r.Replayed))
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }

            return TypedResults.Ok(receipt);
        }
        finally
        {
            if (idempotencyGrainKey is not null)
            {
                try
                {
                    await relay.EndBatchAsync(idempotencyGrainKey, requestHash);
                }
                catch (Exception e)
                {
                    // The key's in-flight lease expires on its own.
                    LogPartitionFailed(logger, e, dataset, -1, batchId);
                }
            }
        }
    }

    private static BodyFormat? FormatOf(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        return mediaType?.ToLowerInvariant() switch
        {
            "application/json" => BodyFormat.JsonArray,
            "application/x-ndjson" or "application/ndjson" => BodyFormat.NdJson,
            _ => null,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a batch for {Dataset}: {Reason} ({Records} records)")]
    private static partial void LogRejected(ILogger logger, string dataset, string reason, int records);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Dataset}/{Partition} failed batch {BatchId}")]
    private static partial void LogPartitionFailed(ILogger logger, Exception? exception, string dataset, int partition, string batchId);
}
