using Mallard.Contract;
using Microsoft.OpenApi;

namespace Mallard.Api.OpenApi;

/// <summary>
/// Ingest and query read their bodies themselves (streaming, limits counted after decompression),
/// so their request bodies, headers and query answer are described here.
/// </summary>
public static class RawBodies
{
    public static void Describe(OpenApiDocument document, ContractDefinition contract, string method, string route, OpenApiOperation operation)
    {
        switch (method, route)
        {
            case ("POST", "/v1/datasets/{dataset}/records"):
                Ingest(document, contract, operation);
                break;
            case ("POST", "/v1/datasets/{dataset}/query"):
                operation.Summary ??= "Query a dataset";
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "A query, at most 1 MiB.",
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = new OpenApiSchemaReference(SharedSchemas.Query, document) } },
                };
                operation.Responses ??= [];
                operation.Responses["200"] = new OpenApiResponse
                {
                    Description = "The merged answer of every partition asked.",
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = new OpenApiSchemaReference(SharedSchemas.QueryResult, document) } },
                };
                break;
        }
    }

    private static void Ingest(OpenApiDocument document, ContractDefinition contract, OpenApiOperation operation)
    {
        operation.Summary ??= "Ingest a batch of records";
        IOpenApiSchema[] records = [.. contract.Datasets.Keys.Select(d => (IOpenApiSchema)new OpenApiSchemaReference(ContractSchemas.RecordName(d), document))];
        var record = records.Length == 1 ? records[0] : new OpenApiSchema { OneOf = records, Description = "A record of the dataset named in the path." };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "A whole batch: validated against the contract first, then written to every partition it touches, or not at all. Limits (Mallard:Gateway): MaxBodyBytes after decompression, MaxRecordsPerBatch, MaxStringBytes.",
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Array, Items = record, Description = "A JSON array of record objects." } },
                ["application/x-ndjson"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "One record object per line (each line as the dataset's record schema)." } },
                ["application/vnd.apache.arrow.stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", ContentMediaType = "application/vnd.apache.arrow.stream", Description = "An Apache Arrow IPC stream, one field per column (docs/contract.md gives the Arrow type of each contract type)." } },
            },
        };
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "Idempotency-Key",
            In = ParameterLocation.Header,
            Description = "1 to 255 printable ASCII characters. A retry with the same key and body replays the first answer (header Idempotent-Replayed: true); the same key with another body is refused.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
        });
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "Content-Encoding",
            In = ParameterLocation.Header,
            Description = "A compressed body: gzip, deflate, br or zstd.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. new[] { "gzip", "deflate", "br", "zstd", "identity" }.Select(e => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(e)!)] },
        });
    }
}
