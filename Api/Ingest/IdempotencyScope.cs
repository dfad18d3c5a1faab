using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// The idempotency protocol around one keyed batch: <see cref="BeginAsync"/> claims the key for
/// this body (or refuses: in flight, reused for another body), and disposing releases the claim,
/// whatever the fan-out did. A release that fails is logged; the claim then expires on its own.
/// </summary>
public sealed class IdempotencyScope : IAsyncDisposable
{
    private readonly IPartitionRelayGrain _relay;
    private readonly string _grainKey;
    private readonly ValidatedBatch _batch;
    private readonly IngestTelemetry _telemetry;

    private IdempotencyScope(IPartitionRelayGrain relay, string grainKey, ValidatedBatch batch, IngestTelemetry telemetry)
    {
        _relay = relay;
        _grainKey = grainKey;
        _batch = batch;
        _telemetry = telemetry;
    }

    /// <summary>
    /// Claims <paramref name="batch"/>'s Idempotency-Key. Returns no scope and no refusal for a
    /// batch without a key; a refusal's code says whether retrying with the same key can succeed.
    /// </summary>
    public static async Task<(IdempotencyScope? Scope, PartitionException? Refusal)> BeginAsync(
        IPartitionRelayGrain relay, string dataset, ValidatedBatch batch, int[] partitions, IngestTelemetry telemetry)
    {
        if (batch.IdempotencyKey is null)
        {
            return (null, null);
        }

        var grainKey = IdempotencyKeys.GrainKeyFor(dataset, batch.BatchId);
        IdempotencyDecision decision;
        try
        {
            decision = await relay.BeginRoutedBatchAsync(grainKey, batch.BatchId, batch.RequestHash, partitions);
        }
        catch (Exception e)
        {
            telemetry.IdempotencyFailed(e, batch.BatchId, "begin");
            // A grain's own refusal (a key reused, an unknown dataset) keeps its code: answering
            // "retry with the same key" would promise a retry that can never succeed.
            if (e.GetBaseException() is PartitionException refusal)
            {
                return (null, refusal);
            }

            // The claim may have been taken while its answer was lost (the silo in between went
            // away): release it, or the promised retry would meet 409 in flight until the claim
            // expires. Releasing a claim of the same body is safe: the partitions' ledgers still
            // apply the batch once.
            await new IdempotencyScope(relay, grainKey, batch, telemetry).DisposeAsync();
            return (null, new PartitionException(ErrorCodes.ClusterUnavailable, $"batch {batch.BatchId}: the cluster did not answer; retry with the same Idempotency-Key"));
        }

        return decision switch
        {
            IdempotencyDecision.InFlight => (null, new PartitionException(ErrorCodes.IdempotencyKeyInFlight, "a request with this Idempotency-Key is still being processed; retry after it finishes")),
            IdempotencyDecision.Mismatch => (null, new PartitionException(ErrorCodes.IdempotencyKeyReused, "this Idempotency-Key was already used with a different request body")),
            _ => (new IdempotencyScope(relay, grainKey, batch, telemetry), null),
        };
    }

    /// <summary>Releases the claim.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _relay.EndBatchAsync(_grainKey, _batch.RequestHash);
        }
        catch (Exception e)
        {
            _telemetry.IdempotencyFailed(e, _batch.BatchId, "end");
        }
    }
}
