using E = Mallard.Partitions.ErrorCodes;
using R = Mallard.Partitions.RecordErrorCodes;

namespace Mallard.Partitions;

/// <summary>
/// The one table from problem code to HTTP status, retryability and title. Every endpoint answers
/// through it, and a partition's refusal keeps its code on the way to the client, so a code means
/// the same everywhere. <c>docs/errors.md</c> is tested against it.
/// </summary>
public static class ErrorCatalog
{
    /// <summary>Seconds a retryable answer asks the client to wait (<c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 1;

    private static readonly ErrorDescription[] Entries =
    [
        new(E.Unauthorized, 401, false, "Unauthorized", "The route needs an API key (Authorization: Bearer mk_…) or a session cookie; the one sent is missing, unknown, revoked, expired or malformed."),
        new(E.Forbidden, 403, false, "Forbidden", "The key is valid but its scopes do not allow this route; the detail names the scope needed."),
        new(E.UnknownDataset, 404, false, "Unknown dataset", "The dataset (or the partition's dataset) is not in the contract."),
        new(E.UnsupportedMediaType, 415, false, "Unsupported media type", "Send records as application/json (an array of objects), application/x-ndjson or application/vnd.apache.arrow.stream."),
        new(E.UnsupportedContentEncoding, 415, false, "Unsupported Content-Encoding", "Compress a body with gzip, deflate, br or zstd, or send it uncompressed."),
        new(E.BodyTooLarge, 413, false, "Body too large", "The body exceeds Mallard:Gateway:MaxBodyBytes (1 MiB for a query), counted after decompression; split the batch."),
        new(E.BodyTooSlow, 408, true, "Body too slow", "The body arrived slower than Mallard:Gateway:MinBodyBytesPerSecond after its grace period; the gateway closed the connection. Retry on a faster link or with a smaller batch."),
        new(E.TooManyRecords, 413, false, "Too many records", "The batch exceeds Mallard:Gateway:MaxRecordsPerBatch; split it."),
        new(E.MalformedBody, 400, false, "Malformed body", "The body is not well-formed JSON or NDJSON (the detail names the line and byte), not a readable Arrow IPC stream, or does not decompress."),
        new(E.InvalidRecords, 422, false, "Invalid records", "Records break the contract; `errors` names each record index, field and record error code (index null: an Arrow stream column, not one record). Nothing was written."),
        new(E.BadIdempotencyKey, 400, false, "Bad Idempotency-Key", "An Idempotency-Key is 1 to 255 printable ASCII characters."),
        new(E.IdempotencyKeyInFlight, 409, true, "Idempotency-Key in flight", "A request with this key is still being processed; retry with the same key after it finishes."),
        new(E.IdempotencyKeyReused, 422, false, "Idempotency-Key reused", "The key (its batch id) was already committed for a different request body; use a new key for new data."),
        new(E.BadQuery, 400, false, "Bad query", "The query does not fit the dataset; the detail names the field to fix."),
        new(E.QueryTimeout, 422, false, "Query timeout", "The query ran longer than Mallard:Query:Timeout and was interrupted in every partition (nothing keeps running); narrow it (filters, fewer groups) or raise the limit."),
        new(E.SumOverflow, 422, false, "Aggregate overflow", "A sum or average overflows its result type (int64 sums are exact and checked); filter more narrowly."),
        new(E.TooManyGroups, 422, false, "Too many groups", "A partition has more groups than Mallard:Shards:MaxGroupsPerPartition; filter or group more coarsely."),
        new(E.BadPartitionKey, 400, false, "Bad partition key", "A partition grain was addressed with a key that is not dataset/partition (raw Orleans clients only)."),
        new(E.UnknownPartition, 404, false, "Unknown partition", "The partition number is outside the dataset's partitions (raw Orleans clients only)."),
        new(E.BatchMismatch, 400, false, "Batch mismatch", "A batch's columns do not match the dataset, or a string column's bytes are not valid UTF-8 (raw Orleans clients only)."),
        new(E.ContractMismatch, 409, false, "Contract mismatch", "The gateway and the silo hold different contract versions (a rolling upgrade is under way); retry once every host runs the same contract."),
        new(E.ShardDrift, 503, true, "Shard drift", "The shard's columns differ from the contract; the partition refuses reads and writes until an operator fixes the shard or the contract."),
        new(E.MigrationFailed, 503, true, "Migration failed", "A migration could not convert the shard's rows exactly; the shard is unchanged and refused until the contract or data is fixed."),
        new(E.ContractBreaking, 503, true, "Breaking contract change", "Reaching the contract's version needs a migration the contract does not declare; the shard is refused until one is added."),
        new(E.ShardIdentityMismatch, 503, true, "Shard identity mismatch", "The shard file belongs to another dataset or partition; an operator must put the right file in place."),
        new(E.DuplicateKeys, 503, true, "Duplicate keys", "The shard holds duplicate record keys, so exact dedup cannot be enforced; an operator must repair the shard."),
        new(E.PartitionOverloaded, 503, true, "Partition overloaded", "The partition's write queue is full (Mallard:Shards:MaxQueuedRows); retry with the same Idempotency-Key."),
        new(E.ShardMemoryExhausted, 503, true, "Shard memory exhausted", "The shard ran out of its DuckDB memory limit while writing; nothing of the batch was written."),
        new(E.ShardWriteFailed, 503, true, "Shard write failed", "The shard could not commit; nothing of the group was written. Retry with the same Idempotency-Key."),
        new(E.QueryTooLarge, 422, false, "Query too large", "The query needs more memory than its shard has (Mallard:Shards:MemoryLimitMb, spilling to disk up to Mallard:Shards:TempDirectoryLimitMb); narrow it (filters, fewer groups) or raise the limits."),
        new(E.QueryPreempted, 503, true, "Query preempted", "A write on the partition needed the shard's memory (Mallard:Shards:MemoryLimitMb, shared by the writer and its readers) and interrupted the query; retry it, or narrow it."),
        new(E.PartitionUnavailable, 503, true, "Partition unavailable", "The partition's silo is down, not reachable, or its activation was fenced; retry, or query with allowPartial."),
        new(E.PartitionMoving, 503, true, "Partition moving", "The partition is switching to another silo (a rebalance or drain); retry after Retry-After, the same Idempotency-Key is safe."),
        new(E.NotClustered, 409, false, "Not clustered", "Rebalance and drain need PostgreSQL cluster mode; an embedded Mallard is one silo."),
        new(E.DrainRefused, 409, false, "Drain refused", "The ordinal is not known to the cluster, or it is the last active one; the detail says which."),
        new(E.LeaseUnavailable, 503, true, "Lease unavailable", "The partition cannot confirm its fencing lease (the cluster database is unreachable), so it writes nothing; reads continue."),
        new(E.PartitionsFailed, 503, true, "Partitions failed", "Some partitions of the batch failed; `committedPartitions` lists those that committed. Retry the whole batch with the same Idempotency-Key: committed partitions replay."),
        new(E.PartitionsUnavailable, 503, true, "Partitions unavailable", "Some partitions of a read did not answer; `failedPartitions` lists them."),
        new(E.ClusterUnavailable, 503, true, "Cluster unavailable", "The cluster did not answer the idempotency check; retry with the same Idempotency-Key."),
        new(E.GatewayOverloaded, 503, true, "Gateway overloaded", "The gateway is at its limit of requests or body bytes in flight."),
        new(E.ClientConcurrencyExceeded, 429, true, "Too many requests", "This client is at its limit of requests in flight; retry after one finishes."),
        new(E.NoSilos, 503, true, "No silos", "Readiness: the cluster has no active silo."),
        new(E.ClusterUnreachable, 503, true, "Cluster unreachable", "Readiness: the gateway cannot reach the cluster."),
        new(E.GatewayStopping, 503, true, "Gateway stopping", "Readiness: the gateway received SIGTERM and is draining; send to another replica."),
    ];

    private static readonly Dictionary<string, ErrorDescription> ByCode = Entries.ToDictionary(e => e.Code, StringComparer.Ordinal);

    /// <summary>Every problem code, in documentation order.</summary>
    public static IReadOnlyList<ErrorDescription> All => Entries;

    /// <summary>The codes of one refused field or record inside <see cref="ErrorCodes.InvalidRecords"/>, with their meaning.</summary>
    public static IReadOnlyList<(string Code, string Meaning)> RecordErrors { get; } =
    [
        (R.NotAnObject, "The record is not a JSON object."),
        (R.UnknownField, "The record names a field the dataset does not have."),
        (R.DuplicateField, "The record names a field twice."),
        (R.Missing, "A required field is absent from the record."),
        (R.NullNotAllowed, "A required field is null."),
        (R.WrongType, "The JSON type does not fit the column (e.g. a string for int32, an object anywhere)."),
        (R.InvalidFormat, "The text is not in the type's format (int64 and decimal as strings of digits, RFC 3339 timestamps, YYYY-MM-DD dates, UUIDs)."),
        (R.OutOfRange, "The value is outside the type's range."),
        (R.TooPrecise, "The value has more precision than the column stores and would be rounded."),
        (R.InvalidString, "The string holds a NUL character or an unpaired UTF-16 surrogate."),
        (R.TooLong, "The string is longer than `Mallard:Gateway:MaxStringBytes` (64 KiB of UTF-8 by default); the message gives the limit."),
    ];

    /// <summary>The description of <paramref name="code"/>.</summary>
    /// <exception cref="KeyNotFoundException">The code is not catalogued (a defect: every raised code must be).</exception>
    public static ErrorDescription Describe(string code) =>
        ByCode.TryGetValue(code, out var description)
            ? description
            : throw new KeyNotFoundException($"problem code '{code}' is not in the error catalogue");

    /// <summary>Whether <paramref name="code"/> is catalogued.</summary>
    public static bool Contains(string code) => ByCode.ContainsKey(code);
}
