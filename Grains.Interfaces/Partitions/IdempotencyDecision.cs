namespace Mallard.Partitions;

/// <summary>What the gateway may do with a request carrying an Idempotency-Key.</summary>
public enum IdempotencyDecision
{
    /// <summary>Go ahead: send every sub-batch under the key's batch id; partitions that already committed it replay their receipt.</summary>
    Proceed,
    /// <summary>A request with this key is still in flight: answer 409.</summary>
    InFlight,
    /// <summary>This key was used with a different request body: answer 422.</summary>
    Mismatch,
}
