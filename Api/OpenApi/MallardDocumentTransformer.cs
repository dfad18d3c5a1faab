using System.Text.Json.Nodes;
using Mallard.Api.Auth;
using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Mallard.Api.OpenApi;

/// <summary>
/// Completes the generated document with what endpoint metadata cannot say: the contract's dataset
/// schemas, the raw request bodies of ingest and query, the problem+json answers of every route
/// (codes from the <see cref="ErrorCatalog"/>), which routes need which key (from
/// <see cref="RequiredAccess"/>, the table the gateway enforces), and the pages that are not JSON.
/// </summary>
public sealed class MallardDocumentTransformer(ContractDefinition contract) : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "apiKey";
    public const string CookieScheme = "session";

    private static readonly (string Name, string Description)[] Tags =
    [
        ("records", "Ingest batches of typed records: validated against the contract as a whole, deduplicated by record key, written exactly once."),
        ("queries", "Filter, group, aggregate and order a dataset; every partition answers on a snapshot and the gateway merges exactly."),
        ("datasets", "The contract and the datasets' committed state."),
        ("cluster", "Silos, partition placement and moves; rebalance and drain (admin keys)."),
        ("auth", "Exchange an API key for a browser session cookie, and see a key's scopes."),
        ("health", "Liveness and readiness probes (no key needed)."),
        ("pages", "HTML pages and documents for people and scrapers."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Mallard",
            Version = "v1",
            Description = $"Typed records in, exact answers out. Generated from the running gateway and its contract (version {contract.Version}, hash {contract.Hash}): every dataset has a record schema named after it and a `_row` schema. int64 and decimal values are JSON strings; errors are application/problem+json with a stable `code`.",
        };
        // Same origin: the gateway that serves the document answers its routes.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The gateway that serves this document" }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var schemas = document.Components.Schemas;
        foreach (var dataset in contract.Datasets.Values)
        {
            schemas[ContractSchemas.RecordName(dataset.Name)] = ContractSchemas.Record(dataset);
            schemas[ContractSchemas.RowName(dataset.Name)] = ContractSchemas.Row(dataset);
        }

        foreach (var (name, schema) in SharedSchemas.Create(document, contract))
        {
            schemas[name] = schema;
        }

        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
        {
            [BearerScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "mk_…", Description = "An API key (keys file; `mallard keys`). Scopes: admin, ingest:DATASET, query:DATASET (* for every dataset)." },
            [CookieScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = SessionCookie.Name, Description = "A session cookie: POST /v1/auth/session with a key sets it (browsers)." },
        };

        PageRoutes.Add(document);
        document.Paths ??= [];
        foreach (var (route, item) in document.Paths)
        {
            if (item is not OpenApiPathItem path || path.Operations is null)
            {
                continue;
            }

            foreach (var (method, operation) in path.Operations)
            {
                Describe(document, route, method.Method, operation);
            }
        }

        return Task.CompletedTask;
    }

    private void Describe(OpenApiDocument document, string route, string method, OpenApiOperation operation)
    {
        var access = RequiredAccess.For(method, new PathString(route.Replace("{dataset}", "_", StringComparison.Ordinal)));
        var open = access.Needs == RequiredAccess.Level.Open;
        operation.Security = open
            ? []
            :
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, document)] = [] },
            ];
        if (!open)
        {
            var needs = access.Needs switch
            {
                RequiredAccess.Level.Admin => "an admin key",
                RequiredAccess.Level.Dataset when access.Verb is null => "a key with ingest:{dataset} or query:{dataset}",
                RequiredAccess.Level.Dataset => $"a key with {access.Verb}:{{dataset}}",
                _ => "any valid key",
            };
            operation.Description = $"{operation.Description}\n\nNeeds {needs} when the gateway runs with keys.".TrimStart();
        }

        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter { Name: "dataset", In: ParameterLocation.Path } datasetParameter)
            {
                datasetParameter.Description = "A dataset of the contract.";
                datasetParameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. contract.Datasets.Keys.Select(k => (JsonNode)JsonValue.Create(k)!)] };
            }
        }

        RawBodies.Describe(document, contract, method, route, operation);
        operation.Responses ??= [];
        var codes = RouteProblems.For(method, route, open);
        foreach (var status in codes.Select(ErrorCatalog.Describe).GroupBy(d => d.Status).OrderBy(g => g.Key))
        {
            var key = status.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var validation = status.Any(d => d.Code == ErrorCodes.InvalidRecords);
            var response = new OpenApiResponse
            {
                Description = string.Join("; ", status.Select(d => $"`{d.Code}`: {d.Title}")),
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/problem+json"] = new()
                    {
                        Schema = validation
                            ? new OpenApiSchema { OneOf = [new OpenApiSchemaReference(SharedSchemas.ValidationProblem, document), new OpenApiSchemaReference(SharedSchemas.Problem, document)] }
                            : new OpenApiSchemaReference(SharedSchemas.Problem, document),
                    },
                },
            };
            if (status.Any(d => d.Retryable))
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal)
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying (retryable codes only).", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                };
            }

            operation.Responses[key] = response;
        }
    }
}
