namespace Mallard.Partitions;

/// <summary>What one problem code means to a client.</summary>
/// <param name="Code">The stable code.</param>
/// <param name="Status">The HTTP status the gateway answers with.</param>
/// <param name="Retryable">
/// Whether the same request can succeed later unchanged; the gateway then sends <c>Retry-After</c>.
/// A retried batch keeps its Idempotency-Key.
/// </param>
/// <param name="Title">The problem's short title.</param>
/// <param name="Meaning">What happened and what to do, for docs/errors.md.</param>
public sealed record ErrorDescription(string Code, int Status, bool Retryable, string Title, string Meaning);
