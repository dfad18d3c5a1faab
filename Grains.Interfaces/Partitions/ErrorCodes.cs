namespace Mallard.Partitions;

/// <summary>
/// Every stable problem code Mallard answers with, in one place. A code is the <c>code</c> member of
/// an <c>application/problem+json</c> response and the <see cref="PartitionException.Code"/> of a
/// partition's refusal; <see cref="ErrorCatalog"/> maps each to its HTTP status and whether a retry
/// can succeed, and <c>docs/errors.md</c> documents them (a test keeps the three in step).
/// </summary>
public static class ErrorCodes
{
    // The request itself.

    /// <summary>401: no API key or session, or one that is unknown, revoked, expired or malformed.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>403: a valid key whose scopes do not allow the route.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>The dataset is not in the contract.</summary>
    public const string UnknownDataset = "unknown_dataset";

    /// <summary>The body's media type is neither JSON nor NDJSON.</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>The body's Content-Encoding is not one the gateway decompresses.</summary>
    public const string UnsupportedContentEncoding = "unsupported_content_encoding";

    /// <summary>The body is larger than the gateway accepts.</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>The body arrived slower than the gateway's minimum data rate and was cut off.</summary>
    public const string BodyTooSlow = "body_too_slow";

    /// <summary>The batch holds more records than the gateway accepts.</summary>
    public const string TooManyRecords = "too_many_records";

    /// <summary>The body is not well-formed JSON or NDJSON.</summary>
    public const string MalformedBody = "malformed_body";

    /// <summary>One or more records break the contract; nothing was written.</summary>
    public const string InvalidRecords = "invalid_records";

    /// <summary>The Idempotency-Key header is not 1 to 255 printable ASCII characters.</summary>
    public const string BadIdempotencyKey = "bad_idempotency_key";

    /// <summary>Another request with the same Idempotency-Key is still being processed.</summary>
    public const string IdempotencyKeyInFlight = "idempotency_key_in_flight";

    /// <summary>The Idempotency-Key (its batch id) was used with a different request body.</summary>
    public const string IdempotencyKeyReused = "idempotency_key_reused";

    /// <summary>The query is not valid for the dataset.</summary>
    public const string BadQuery = "bad_query";

    /// <summary>422: the query ran past <c>Mallard:Query:Timeout</c> and was interrupted in every partition.</summary>
    public const string QueryTimeout = "query_timeout";

    /// <summary>A query needs more memory than its shard has.</summary>
    public const string QueryTooLarge = "query_too_large";

    /// <summary>A query was interrupted so that a write could have the shard's memory.</summary>
    public const string QueryPreempted = "query_preempted";

    /// <summary>An aggregate overflows its result type.</summary>
    public const string SumOverflow = "sum_overflow";

    /// <summary>An aggregate query returns more groups than a partition may.</summary>
    public const string TooManyGroups = "too_many_groups";

    // Addressing a partition directly (a raw Orleans client; the gateway never sends these).

    /// <summary>A partition grain key is not <c>dataset/partition</c>.</summary>
    public const string BadPartitionKey = "bad_partition_key";

    /// <summary>The partition number is outside the dataset's partitions.</summary>
    public const string UnknownPartition = "unknown_partition";

    /// <summary>A batch's columns do not match the dataset.</summary>
    public const string BatchMismatch = "batch_mismatch";

    // Contract and shard state.

    /// <summary>The gateway validated against another contract than the silo holds (a rolling upgrade).</summary>
    public const string ContractMismatch = "contract_mismatch";

    /// <summary>The shard's real columns differ from the contract.</summary>
    public const string ShardDrift = "shard_drift";

    /// <summary>A migration could not convert the shard's rows exactly; the shard is unchanged.</summary>
    public const string MigrationFailed = "migration_failed";

    /// <summary>The shard is at a contract version that cannot be reached without a migration.</summary>
    public const string ContractBreaking = "contract_breaking";

    /// <summary>The shard file belongs to another dataset or partition.</summary>
    public const string ShardIdentityMismatch = "shard_identity_mismatch";

    /// <summary>The shard holds duplicate keys, so exact dedup cannot be enforced.</summary>
    public const string DuplicateKeys = "duplicate_keys";

    // Capacity and availability.

    /// <summary>The partition's write queue is full.</summary>
    public const string PartitionOverloaded = "partition_overloaded";

    /// <summary>The shard ran out of its DuckDB memory limit while writing.</summary>
    public const string ShardMemoryExhausted = "shard_memory_exhausted";

    /// <summary>The shard could not commit.</summary>
    public const string ShardWriteFailed = "shard_write_failed";

    /// <summary>The partition's silo is down, not reachable, or the activation was fenced.</summary>
    public const string PartitionUnavailable = "partition_unavailable";

    /// <summary>The partition is switching to another silo; writes resume there in moments.</summary>
    public const string PartitionMoving = "partition_moving";

    /// <summary>A cluster operation (rebalance, drain) asked of an embedded, single-silo Mallard.</summary>
    public const string NotClustered = "not_clustered";

    /// <summary>A drain or undrain that cannot be carried out (unknown ordinal, the last active one).</summary>
    public const string DrainRefused = "drain_refused";

    /// <summary>The partition cannot read or take its fencing lease (the cluster database is unreachable).</summary>
    public const string LeaseUnavailable = "lease_unavailable";

    /// <summary>Some partitions of a batch failed for different or unnamed reasons.</summary>
    public const string PartitionsFailed = "partitions_failed";

    /// <summary>Some partitions of a read failed for different or unnamed reasons.</summary>
    public const string PartitionsUnavailable = "partitions_unavailable";

    /// <summary>The cluster did not answer the idempotency check.</summary>
    public const string ClusterUnavailable = "cluster_unavailable";

    /// <summary>The gateway is at its limit of requests (or held body bytes) in flight.</summary>
    public const string GatewayOverloaded = "gateway_overloaded";

    /// <summary>This client is at its limit of requests in flight.</summary>
    public const string ClientConcurrencyExceeded = "client_concurrency_exceeded";

    /// <summary>Readiness: the cluster has no active silo.</summary>
    public const string NoSilos = "no_silos";

    /// <summary>Readiness: the gateway cannot reach the cluster.</summary>
    public const string ClusterUnreachable = "cluster_unreachable";

    /// <summary>Readiness: the gateway is shutting down.</summary>
    public const string GatewayStopping = "gateway_stopping";
}
