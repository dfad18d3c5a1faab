namespace Mallard.Api.Ingest;

/// <summary>An ingest request that passed every check the gateway makes before routing it.</summary>
/// <param name="Decoded">The records, one vector per column.</param>
/// <param name="RequestHash">SHA-256 of the body, what an Idempotency-Key is bound to; <see cref="Mallard.Partitions.IdempotencyKeys.UnkeyedRequestHash"/> without a key.</param>
/// <param name="BatchId">Derived from the Idempotency-Key, or new for a request without one.</param>
/// <param name="IdempotencyKey">The client's key, or null.</param>
public sealed record ValidatedBatch(DecodedBatch Decoded, string RequestHash, string BatchId, string? IdempotencyKey);
