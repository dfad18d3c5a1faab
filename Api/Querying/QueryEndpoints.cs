using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mallard.Api.Encoding;
using Mallard.Api.Ingest;
using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Querying;

/// <summary><c>POST /v1/datasets/{dataset}/query</c>: validate, fan out to every partition, merge exactly.</summary>
public static partial class QueryEndpoints
{
    private const long MaxQueryBytes = 1024 * 1024;

    /// <summary>Maps the query route.</summary>
    public static IEndpointRouteBuilder MapQueryEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/datasets/{dataset}/query", QueryAsync);
        return routes;
    }

    private static async Task<IResult> QueryAsync(
        string dataset,
        HttpContext http,
        ContractDefinition contract,
        IGrainFactory grains,
        IOptions<GatewayOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (!contract.TryGetDataset(dataset, out var definition))
        {
            return Problems.UnknownDataset(dataset);
        }

        var body = await BodyReader.ReadAsync(http, MaxQueryBytes, cancellationToken);
        if (body is null)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"a query body may be at most {MaxQueryBytes} bytes");
        }

        PartitionQuery query;
        var allowPartial = false;
        try
        {
            using var document = JsonDocument.Parse(body.Value, new JsonDocumentOptions { MaxDepth = 32 });
            query = QueryParser.Parse(definition, new ContractStamp(contract.Version, definition.Hash), document.RootElement, options.Value.MaxInValues);
            if (document.RootElement.TryGetProperty("allowPartial", out var partialElement))
            {
                allowPartial = partialElement.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new QueryException("'allowPartial' must be true or false"),
                };
            }
        }
        catch (JsonException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "malformed_body", $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}");
        }
        catch (QueryException e)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "bad_query", e.Message);
        }

        var stopwatch = Stopwatch.StartNew();
        using var fanout = MallardTelemetry.Source.StartActivity("mallard.query.fanout");
        fanout?.SetTag("mallard.dataset", dataset);
        var partitions = PartitionPruning.PartitionsFor(definition, query);
        fanout?.SetTag("mallard.partitions", partitions.Count);
        fanout?.SetTag("mallard.aggregate", query.IsAggregate);
        var calls = partitions
            .ToDictionary(p => p, p => grains.Relay().QueryAsync(dataset, p, query));
        try
        {
            await Task.WhenAll(calls.Values);
        }
        catch
        {
            // Examined per partition below.
        }

        var failures = calls.Where(c => !c.Value.IsCompletedSuccessfully).ToArray();
        int[] missing = [];
        if (failures.Length > 0 && failures.Length < calls.Count && allowPartial
            && failures.All(f => PartitionFailures.IsUnavailable(f.Value.Exception)))
        {
            // The caller asked for what is there: leave out partitions whose silo is down.
            missing = failures.Select(f => f.Key).Order().ToArray();
            fanout?.SetTag("mallard.missing_partitions", missing.Length);
            foreach (var partition in missing)
            {
                calls.Remove(partition);
            }

            failures = [];
        }

        if (failures.Length > 0)
        {
            var logger = loggers.CreateLogger("Mallard.Api.Query");
            foreach (var (partition, call) in failures)
            {
                if (call.Exception?.GetBaseException() is PartitionException { Code: "sum_overflow" or "too_many_groups" } refusal)
                {
                    return Problems.Create(StatusCodes.Status422UnprocessableEntity, refusal.Code, refusal.Message);
                }

                LogPartitionFailed(logger, call.Exception?.GetBaseException(), dataset, partition);
            }

            return PartitionFailures.ToProblem(
                http,
                dataset,
                failures.ToDictionary(f => f.Key, f => (Exception?)f.Value.Exception),
                "partitions_unavailable",
                new Dictionary<string, object?>());
        }

        QueryResult result;
        try
        {
            result = ResultMerger.Merge(query, calls.Values.Select(c => c.Result).ToList());
        }
        catch (OverflowException e)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "sum_overflow", $"an aggregate across partitions overflows its result type: {e.Message}");
        }

        return new QueryResponse(result, missing, partitions.Count, stopwatch.Elapsed.TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Dataset}/{Partition} failed a query")]
    private static partial void LogPartitionFailed(ILogger logger, Exception? exception, string dataset, int partition);

    private sealed class QueryResponse(QueryResult result, int[] missingPartitions, int partitions, double elapsedMs) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "application/json";
            // Plain UTF-8 rather than \u escapes: this is application/json for programs, not HTML.
            await using var writer = new Utf8JsonWriter(http.Response.Body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            writer.WriteStartObject();
            writer.WriteStartArray("columns");
            foreach (var column in result.Columns)
            {
                writer.WriteStartObject();
                writer.WriteString("name", column.Name);
                writer.WriteString("type", column.Type.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("rows");
            foreach (var row in result.Rows)
            {
                writer.WriteStartObject();
                for (var c = 0; c < result.Columns.Length; c++)
                {
                    writer.WritePropertyName(result.Columns[c].Name);
                    ValueJsonWriter.Write(writer, result.Columns[c].Type, row[c]);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteBoolean("partial", missingPartitions.Length > 0);
            writer.WriteStartArray("missingPartitions");
            foreach (var partition in missingPartitions)
            {
                writer.WriteNumberValue(partition);
            }

            writer.WriteEndArray();
            writer.WriteStartObject("stats");
            writer.WriteNumber("partitions", partitions);
            writer.WriteNumber("elapsedMs", Math.Round(elapsedMs, 3));
            writer.WriteEndObject();
            writer.WriteEndObject();
            await writer.FlushAsync(http.RequestAborted);
        }
    }
}
