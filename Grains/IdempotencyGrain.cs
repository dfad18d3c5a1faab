using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Grains;

/// <summary>
/// Serializes requests that share an Idempotency-Key. On its first use after activation it asks
/// the partitions the request routes to whether the key's batch id is in their ledgers (also after
/// a silo restart); afterwards it remembers the body hash it saw. A key reused for a body that
/// routes only to other partitions is not caught on its first use after activation: probing every
/// partition for every new key cost up to one shard query per partition per request.
/// </summary>
public sealed class IdempotencyGrain(ContractDefinition contract, IOptions<IdempotencyOptions> options, TimeProvider time)
    : Grain, IIdempotencyGrain
{
    private string? _knownRequestHash;
    private DateTimeOffset? _inFlightSince;
    private string? _inFlightHash;

    public Task<IdempotencyDecision> BeginAsync(string batchId, string requestHash) => BeginForPartitionsAsync(batchId, requestHash, null);

    public Task<IdempotencyDecision> BeginForPartitionsAsync(string batchId, string requestHash, int[]? partitions)
    {
        ArgumentNullException.ThrowIfNull(batchId);
        ArgumentNullException.ThrowIfNull(requestHash);
        return BeginAsync(batchId, requestHash, partitions);
    }

    private async Task<IdempotencyDecision> BeginAsync(string batchId, string requestHash, int[]? partitions)
    {
        if (_inFlightSince is { } since && time.GetUtcNow() - since < options.Value.InFlightLease)
        {
            return IdempotencyDecision.InFlight;
        }

        var seenRequestHash = _knownRequestHash;
        if (seenRequestHash is null)
        {
            var dataset = this.GetPrimaryKeyString().Split('/')[0];
            if (!contract.TryGetDataset(dataset, out var definition))
            {
                throw new PartitionException(ErrorCodes.UnknownDataset, $"dataset '{dataset}' is not in contract version {contract.Version}");
            }

            // A partition that cannot answer now is skipped rather than failing the request: the
            // partitions this request writes to check the body hash in their own ledgers anyway.
            // The caller names the partitions; they are bounded by the contract, whoever calls.
            if (partitions is not null && partitions.Any(p => p < 0 || p >= definition.Partitions))
            {
                throw new PartitionException(ErrorCodes.UnknownPartition, $"dataset '{dataset}' has partitions 0 to {definition.Partitions - 1}");
            }

            var probed = partitions?.Distinct() ?? Enumerable.Range(0, definition.Partitions);
            var probes = await Fanout.CallAsync(probed, p => GrainFactory.GetPartition(dataset, p).FindBatchAsync(batchId));
            var entries = probes.Succeeded.Values.OfType<BatchLedgerEntry>().ToList();
            seenRequestHash = entries.FirstOrDefault()?.RequestHash;
            if (entries.Any(e => e.RequestHash != seenRequestHash))
            {
                throw new PartitionException(ErrorCodes.IdempotencyKeyReused, $"batch {batchId} was committed for more than one request body");
            }
        }

        if (seenRequestHash is not null && seenRequestHash != requestHash)
        {
            return IdempotencyDecision.Mismatch;
        }

        // From here on the key is bound to this body, whether or not the request succeeds.
        _knownRequestHash = requestHash;
        _inFlightHash = requestHash;
        _inFlightSince = time.GetUtcNow();
        return IdempotencyDecision.Proceed;
    }

    public Task EndAsync(string requestHash)
    {
        if (_inFlightHash == requestHash)
        {
            _inFlightSince = null;
            _inFlightHash = null;
        }

        return Task.CompletedTask;
    }
}
