using Microsoft.OpenApi;

namespace Mallard.Api.OpenApi;

/// <summary>
/// The routes that are not JSON endpoints (middleware and pages): they are public too, so the
/// document lists them with what they return.
/// </summary>
public static class PageRoutes
{
    /// <summary>Each page: route, operation id, summary, media type.</summary>
    public static readonly (string Route, string OperationId, string Summary, string MediaType)[] Pages =
    [
        ("/ui", "getConsole", "Web console (HTML): datasets, partitions, ingest rate, queries and ingest in the browser", "text/html"),
        ("/metrics", "getMetrics", "Prometheus metrics of the gateway (text exposition format)", "text/plain"),
        ("/dashboard", "getDashboard", "Orleans dashboard (HTML)", "text/html"),
        (OpenApiSetup.DocumentRoute, "getOpenApiDocument", "This document", "application/json"),
        (OpenApiSetup.ReferenceRoute, "getApiReference", "Interactive API reference (HTML)", "text/html"),
    ];

    public static void Add(OpenApiDocument document)
    {
        document.Paths ??= [];
        foreach (var (route, operationId, summary, mediaType) in Pages)
        {
            if (document.Paths.ContainsKey(route))
            {
                continue;
            }

            document.Paths[route] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        OperationId = operationId,
                        Summary = summary,
                        Tags = new HashSet<OpenApiTagReference> { new("pages", document) },
                        Responses = new OpenApiResponses
                        {
                            ["200"] = new OpenApiResponse
                            {
                                Description = summary,
                                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { [mediaType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                            },
                        },
                    },
                },
            };
        }
    }
}
