using Mallard.Partitions;
using Orleans.Runtime;

namespace Mallard.Api;

/// <summary>
/// Turns the partitions that failed a fanned-out call into one problem response: 409 when a silo
/// holds a different contract than the gateway validated against, otherwise 503 with
/// <c>Retry-After</c>, naming each failed partition and, where the partition said, why.
/// </summary>
public static class PartitionFailures
{
    /// <summary>Codes a partition uses to refuse its shard; they are named in the 503.</summary>
    private static readonly string[] ShardRefusals = ["shard_drift", "migration_failed", "contract_breaking", "shard_identity_mismatch", "duplicate_keys", "partition_overloaded", "shard_memory_exhausted", "shard_write_failed", "partition_unavailable", "lease_unavailable"];

    /// <summary>
    /// Whether a partition call failed because the partition cannot be reached right now (its silo
    /// is down, unknown to the cluster yet, or did not answer in time), as opposed to refusing the
    /// request. Such failures are what <c>allowPartial</c> leaves out and what 503 means.
    /// </summary>
    public static bool IsUnavailable(Exception? failure) => Normalize(failure) is { Code: "partition_unavailable" };

    /// <summary>
    /// The partition's own refusal, or for a failure of the cluster's messaging (connection refused,
    /// a silo declared dead, a response timeout) a <c>partition_unavailable</c> refusal that says so.
    /// </summary>
    public static PartitionException? Normalize(Exception? failure)
    {
        if (failure?.GetBaseException() is PartitionException refusal)
        {
            return refusal;
        }

        // Orleans wraps transport failures (e.g. a refused connection inside a message rejection).
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException:
                    return new PartitionException("partition_unavailable", "its silo is not reachable; retry after the cluster has noticed (about 2 s)");
                case TimeoutException:
                    return new PartitionException("partition_unavailable", "its silo did not answer within the response timeout");
            }
        }

        return null;
    }

    /// <summary>The problem response for <paramref name="failures"/> (partition → exception).</summary>
    public static IResult ToProblem(HttpContext http, string dataset, IReadOnlyDictionary<int, Exception?> failures, string fallbackCode, IDictionary<string, object?> extensions)
    {
        var refusals = failures.ToDictionary(f => f.Key, f => Normalize(f.Value));
        extensions["failedPartitions"] = failures.Keys.Order().ToArray();
        if (refusals.Values.FirstOrDefault(r => r?.Code == "contract_mismatch") is { } mismatch)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "contract_mismatch", mismatch.Message, extensions);
        }

        var reasons = refusals
            .Where(r => r.Value is not null && ShardRefusals.Contains(r.Value.Code))
            .Select(r => $"partition {r.Key}: {r.Value!.Message}")
            .ToArray();
        var code = reasons.Length > 0 && refusals.Values.All(r => r is not null && r.Code == refusals.Values.First()!.Code)
            ? refusals.Values.First()!.Code
            : fallbackCode;
        http.Response.Headers.RetryAfter = "1";
        var detail = $"partitions {string.Join(", ", failures.Keys.Order())} of '{dataset}' failed"
            + (reasons.Length > 0 ? ": " + string.Join(" | ", reasons) : "");
        return Problems.Create(StatusCodes.Status503ServiceUnavailable, code, detail, extensions);
    }
}
