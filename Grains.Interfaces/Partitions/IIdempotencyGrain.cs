namespace Mallard.Partitions;

/// <summary>
/// Coordinates one Idempotency-Key of one dataset (key <c>dataset/sha256-of-key</c>). It holds no
/// durable state of its own: the partitions' ledgers are the record of what was committed, and this
/// grain only serializes requests that share a key and detects a key reused for another body.
/// </summary>
public interface IIdempotencyGrain : IGrainWithStringKey
{
    /// <summary>Claims the key for a request whose body hashes to <paramref name="requestHash"/>.</summary>
    Task<IdempotencyDecision> BeginAsync(string batchId, string requestHash);

    /// <summary>Releases the key after the request finished (committed everywhere or failed somewhere).</summary>
    Task EndAsync(string requestHash);
}
