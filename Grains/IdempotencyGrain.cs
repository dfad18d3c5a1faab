using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Grains;

/// <summary>
/// Serializes requests that share an Idempotency-Key. On its first use after activation it asks
/// every partition of the dataset whether the key's batch id is in its ledger, so a key reused for a
/// different body is caught even when the new body routes to other partitions, and even after a
/// silo restart; afterwards it remembers the body hash it saw.
/// </summary>
public sealed class IdempotencyGrain(ContractDefinition contract, IOptions<IdempotencyOptions> options, TimeProvider time)
    : Grain, IIdempotencyGrain
{
    private string? _knownRequestHash;
    private DateTimeOffset? _inFlightSince;

    public async Task<IdempotencyDecision> BeginAsync(string batchId, string requestHash)
    {
        if (_inFlightSince is { } since && time.GetUtcNow() - since < options.Value.InFlightLease)
        {
            return IdempotencyDecision.InFlight;
        }

        if (_knownRequestHash is null)
        {
            var dataset = this.GetPrimaryKeyString().Split('/')[0];
            if (!contract.TryGetDataset(dataset, out var definition))
            {
                throw new PartitionException("unknown_dataset", $"dataset '{dataset}' is not in contract version {contract.Version}");
            }

            var entries = await Task.WhenAll(Enumerable.Range(0, definition.Partitions)
                .Select(p => GrainFactory.GetPartition(dataset, p).FindBatchAsync(batchId)));
            _knownRequestHash = entries.FirstOrDefault(e => e is not null)?.RequestHash;
            if (entries.Any(e => e is not null && e.RequestHash != _knownRequestHash))
            {
                throw new PartitionException("idempotency_conflict", $"batch {batchId} was committed for more than one request body");
            }
        }

        if (_knownRequestHash is not null && _knownRequestHash != requestHash)
        {
            return IdempotencyDecision.Mismatch;
        }

        _knownRequestHash = requestHash;
        _inFlightSince = time.GetUtcNow();
        return IdempotencyDecision.Proceed;
    }

    public Task EndAsync(string requestHash)
    {
        if (_knownRequestHash == requestHash)
        {
            _inFlightSince = null;
        }

        return Task.CompletedTask;
    }
}
