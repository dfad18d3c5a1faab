namespace Mallard.Partitions;

/// <summary>
/// Coordinates one Idempotency-Key of one dataset (key <c>dataset/sha256-of-key</c>). It holds no
/// durable state of its own: the partitions' ledgers are the record of what was committed, and this
/// grain only serializes requests that share a key and detects a key reused for another body.
/// </summary>
public interface IIdempotencyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Claims the key for a request whose body hashes to <paramref name="requestHash"/> and routes
    /// to <paramref name="partitions"/>; only those partitions' ledgers are probed.
    /// </summary>
    // A control-plane step: bounded well below the data calls' response timeout, so a key whose
    // grain (or a probed partition) sat on a silo that just died is refused in seconds.
    [ResponseTimeout("00:00:03")]
    Task<IdempotencyDecision> BeginForPartitionsAsync(string batchId, string requestHash, int[] partitions);

    /// <summary>As <see cref="BeginForPartitionsAsync"/>, probing every partition: what a silo one version behind calls during a rolling upgrade.</summary>
    [ResponseTimeout("00:00:03")]
    Task<IdempotencyDecision> BeginAsync(string batchId, string requestHash);

    /// <summary>Releases the key after the request finished (committed everywhere or failed somewhere).</summary>
    Task EndAsync(string requestHash);
}
