using System.Diagnostics;
using Mallard.Api.Admission;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary><c>POST /v1/datasets/{dataset}/records</c>: validate a whole batch, route it, commit per partition.</summary>
public static class IngestEndpoints
{
    /// <summary>Maps the ingest route.</summary>
    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/datasets/{dataset}/records", IngestAsync).WithMetadata(new BufferedBodyLimit(MaxBytes: null))
            .Produces<IngestReceipt>().WithName("ingestRecords").WithTags("records").WithSummary("Ingest a batch of records")
            .WithDescription("Validates the whole batch against the contract, then commits it to every partition it touches; a record whose key is stored already is a duplicate, not an error. Send an Idempotency-Key to make retries safe.");
        return routes;
    }

    private static async Task<IResult> IngestAsync(string dataset, HttpContext http, [AsParameters] IngestServices services, CancellationToken cancellationToken)
    {
        var contract = services.Contract;
        if (!contract.TryGetDataset(dataset, out var definition))
        {
            return Problems.UnknownDataset(dataset);
        }

        var telemetry = new IngestTelemetry(dataset, services.Metrics, services.Loggers.CreateLogger("Mallard.Api.Ingest"));
        var (batch, refusal) = IngestRequest.Read(http, definition, services.Options.Value, telemetry);
        if (batch is null)
        {
            return refusal!;
        }

        var stopwatch = Stopwatch.StartNew();
        var records = batch.Decoded.RecordCount;
        var routed = BatchRouter.Route(definition, new ContractStamp(contract.Version, definition.Hash), batch.BatchId, batch.RequestHash, batch.Decoded.Columns, records);
        var relay = services.Grains.Relay();

        var (idempotency, keyRefusal) = await IdempotencyScope.BeginAsync(relay, dataset, batch, [.. routed.Partitions.Keys], telemetry);
        if (keyRefusal is not null)
        {
            var outcome = keyRefusal.Code switch
            {
                ErrorCodes.IdempotencyKeyInFlight => IngestTelemetry.IdempotencyInFlight,
                ErrorCodes.IdempotencyKeyReused => IngestTelemetry.IdempotencyKeyReused,
                _ => IngestTelemetry.PartitionFailed,
            };
            return telemetry.Refused(outcome, records, Problems.From(keyRefusal, new Dictionary<string, object?> { ["batchId"] = batch.BatchId }));
        }

        await using (idempotency)
        {
            using var fanout = telemetry.StartFanout(batch.BatchId, routed.Partitions.Count, records);
            var result = await Fanout.CallAsync(routed.Partitions.Keys, p => relay.AppendAsync(dataset, p, routed.Partitions[p]));
            if (!result.AllSucceeded)
            {
                telemetry.PartitionsFailed(fanout, batch.BatchId, result.Failed);
                return telemetry.Refused(IngestTelemetry.PartitionFailed, records, PartitionFailures.ToProblem(
                    dataset,
                    result.Failed,
                    ErrorCodes.PartitionsFailed,
                    new Dictionary<string, object?>
                    {
                        ["batchId"] = batch.BatchId,
                        ["committedPartitions"] = result.Succeeded.Select(c => new { partition = c.Key, accepted = c.Value.Accepted }).ToArray(),
                    }));
            }

            var receipts = result.Succeeded.Values.ToArray();
            var receipt = IngestReceipt.Combine(dataset, batch.BatchId, contract.Version, receipts, routed.Duplicates);
            telemetry.Accepted(fanout, receipt, stopwatch.Elapsed);
            if (idempotency is not null && receipts.Length > 0 && receipts.All(r => r.Replayed))
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }

            return TypedResults.Ok(receipt);
        }
    }
}
