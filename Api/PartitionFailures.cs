using Mallard.Partitions;

namespace Mallard.Api;

/// <summary>
/// Turns the partitions that failed a fanned-out call into one problem response: 409 when a silo
/// holds a different contract than the gateway validated against, otherwise 503 with
/// <c>Retry-After</c>, naming each failed partition and, where the partition said, why.
/// </summary>
public static class PartitionFailures
{
    /// <summary>Codes a partition uses to refuse its shard; they are named in the 503.</summary>
    private static readonly string[] ShardRefusals = ["shard_drift", "migration_failed", "contract_breaking", "shard_identity_mismatch", "duplicate_keys", "partition_overloaded", "shard_memory_exhausted", "shard_write_failed"];

    /// <summary>The problem response for <paramref name="failures"/> (partition → exception).</summary>
    public static IResult ToProblem(HttpContext http, string dataset, IReadOnlyDictionary<int, Exception?> failures, string fallbackCode, IDictionary<string, object?> extensions)
    {
        var refusals = failures.ToDictionary(f => f.Key, f => f.Value?.GetBaseException() as PartitionException);
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
