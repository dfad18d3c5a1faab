using Mallard.Partitions;
using Orleans.Runtime;

namespace Mallard.Api;

/// <summary>
/// Turns the partitions that failed a fanned-out call into one problem response. A refusal the
/// client must act on (a non-retryable code: a contract mismatch, an overflow, a reused key)
/// decides the answer, since retrying cannot help; otherwise it is a 503 with <c>Retry-After</c>
/// naming each failed partition and, where the partition said, why.
/// </summary>
public static class PartitionFailures
{
    /// <summary>
    /// Whether a partition call failed because the partition cannot be reached right now (its silo
    /// is down, unknown to the cluster yet, or did not answer in time), as opposed to refusing the
    /// request. Such failures are what <c>allowPartial</c> leaves out and what 503 means.
    /// </summary>
    public static bool IsUnavailable(Exception? failure) => Normalize(failure) is { Code: ErrorCodes.PartitionUnavailable };

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
                    return new PartitionException(ErrorCodes.PartitionUnavailable, "its silo is not reachable; retry after the cluster has noticed (about 2 s)");
                case TimeoutException:
                    return new PartitionException(ErrorCodes.PartitionUnavailable, "its silo did not answer within the response timeout");
            }
        }

        return null;
    }

    /// <summary>The problem response for <paramref name="failures"/> (partition → exception).</summary>
    /// <param name="dataset">The dataset, named in the detail.</param>
    /// <param name="failures">The failed partitions.</param>
    /// <param name="fallbackCode">The 503 code when the partitions did not all fail for one named reason.</param>
    /// <param name="extensions">Extra problem members; <c>failedPartitions</c> is added.</param>
    public static IResult ToProblem(string dataset, IReadOnlyDictionary<int, Exception> failures, string fallbackCode, IDictionary<string, object?>? extensions = null)
    {
        extensions ??= new Dictionary<string, object?>();
        var refusals = failures.ToDictionary(f => f.Key, f => Normalize(f.Value));
        extensions["failedPartitions"] = failures.Keys.Order().ToArray();
        if (refusals.Values.FirstOrDefault(r => r is not null && !ErrorCatalog.Describe(r.Code).Retryable) is { } decisive)
        {
            return Problems.From(decisive, extensions);
        }

        var reasons = refusals
            .Where(r => r.Value is not null)
            .OrderBy(r => r.Key)
            .Select(r => $"partition {r.Key}: {r.Value!.Message}")
            .ToArray();
        var codes = refusals.Values.Select(r => r?.Code).Distinct().ToArray();
        var code = codes is [{ } shared] ? shared : fallbackCode;
        var detail = $"partitions {string.Join(", ", failures.Keys.Order())} of '{dataset}' failed"
            + (reasons.Length > 0 ? ": " + string.Join(" | ", reasons) : "");
        return Problems.Create(code, detail, extensions);
    }
}
