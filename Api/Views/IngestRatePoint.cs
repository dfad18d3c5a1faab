namespace Mallard.Api.Views;

/// <summary>One step of a dataset's ingest history on this gateway.</summary>
/// <param name="Time">The start of the step (UTC).</param>
/// <param name="RecordsPerSecond">Records committed per second over the step.</param>
/// <param name="Records">Records committed.</param>
/// <param name="Duplicates">Records not stored because their key was already stored.</param>
/// <param name="Batches">Batches committed.</param>
/// <param name="Rejected">Batches refused as the client's fault (invalid records, malformed or oversized bodies, a reused Idempotency-Key).</param>
/// <param name="RejectedRecords">Records in the rejected batches that were decoded.</param>
/// <param name="Unavailable">Batches refused as retryable (a partition failed, overloaded or moving; a key in flight).</param>
/// <param name="RefusedAtDoor">Requests to any dataset refused at admission (gateway or client at its limit, too slow, bad encoding).</param>
public sealed record IngestRatePoint(DateTimeOffset Time, double RecordsPerSecond, long Records, long Duplicates, long Batches, long Rejected, long RejectedRecords, long Unavailable, long RefusedAtDoor);
