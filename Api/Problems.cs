using Microsoft.AspNetCore.Http.HttpResults;

namespace Mallard.Api;

/// <summary>Every error the gateway returns is <c>application/problem+json</c> built here.</summary>
public static class Problems
{
    /// <summary>A problem response with a stable <c>code</c> extension.</summary>
    public static ProblemHttpResult Create(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                all[key] = value;
            }
        }

        return TypedResults.Problem(detail: detail, statusCode: status, title: Title(status), type: $"https://mallard.dev/problems/{code}", extensions: all);
    }

    /// <summary>404 for a dataset that the contract does not declare.</summary>
    public static ProblemHttpResult UnknownDataset(string dataset) =>
        Create(StatusCodes.Status404NotFound, "unknown_dataset", $"dataset '{Shorten(dataset)}' is not in the contract");

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => "Error",
    };

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
