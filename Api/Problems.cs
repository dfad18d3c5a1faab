using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api;

/// <summary>
/// Every error the gateway returns is <c>application/problem+json</c> built here, with its status,
/// title and <c>Retry-After</c> taken from the <see cref="ErrorCatalog"/> by code.
/// </summary>
public static class Problems
{
    /// <summary>The problem response for <paramref name="code"/>; retryable codes carry <c>Retry-After</c>.</summary>
    public static IResult Create(string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var description = ErrorCatalog.Describe(code);
        var all = new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                all[key] = value;
            }
        }

        var problem = TypedResults.Problem(detail: detail, statusCode: description.Status, title: description.Title, type: $"https://mallard.dev/problems/{code}", extensions: all);
        return description.Retryable ? new RetryLater(problem) : problem;
    }

    /// <summary>The problem response for a partition's (or grain's) own refusal.</summary>
    public static IResult From(PartitionException refusal, IDictionary<string, object?>? extensions = null) =>
        Create(refusal.Code, refusal.Message, extensions);

    /// <summary>404 for a dataset that the contract does not declare.</summary>
    public static IResult UnknownDataset(string dataset) =>
        Create(ErrorCodes.UnknownDataset, $"dataset '{DisplayText.Shorten(dataset)}' is not in the contract");

    private sealed class RetryLater(IResult problem) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.Headers.RetryAfter = ErrorCatalog.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(http);
        }
    }
}
