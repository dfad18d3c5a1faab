using System.Diagnostics;
using System.Text.Json;
using Mallard.Api.Admission;
using Mallard.Api.Ingest;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Querying;

/// <summary><c>POST /v1/datasets/{dataset}/query</c>: validate, fan out to every partition, merge exactly.</summary>
public static partial class QueryEndpoints
{
    private const long MaxQueryBytes = 1024 * 1024;

    /// <summary>Maps the query route.</summary>
    public static IEndpointRouteBuilder MapQueryEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/datasets/{dataset}/query", QueryAsync).WithMetadata(new BufferedBodyLimit(MaxQueryBytes))
            .WithName("queryDataset").WithTags("queries").WithSummary("Query a dataset")
            .WithDescription("Filters, group-by, aggregates, order and limit, answered by every partition on a snapshot and merged exactly.");
        return routes;
    }

    private static async Task<IResult> QueryAsync(string dataset, HttpContext http, [AsParameters] QueryServices services, CancellationToken cancellationToken)
    {
        var contract = services.Contract;
        if (!contract.TryGetDataset(dataset, out var definition))
        {
            return Problems.UnknownDataset(dataset);
        }

        var (request, refusal) = Read(http, definition, new ContractStamp(contract.Version, definition.Hash), services.Options.Value.MaxInValues, services.Options.Value.MaxQueryValues);
        if (request is null)
        {
            return refusal!;
        }

        var query = request.Query;
        var stopwatch = Stopwatch.StartNew();
        using var fanout = MallardTelemetry.Source.StartActivity("mallard.query.fanout");
        fanout?.SetTag("mallard.dataset", dataset);
        var partitions = PartitionPruning.PartitionsFor(definition, query);
        fanout?.SetTag("mallard.partitions", partitions.Count);
        fanout?.SetTag("mallard.aggregate", query.IsAggregate);
        var relay = services.Grains.Relay();

        // One deadline for the whole fan-out; the client going away cancels it too. Either way
        // every partition's DuckDB statement is interrupted, not left running.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(services.QueryLimits.Value.Effective);
        var result = await QueryPartitionsAsync(relay, dataset, partitions, query, services, deadline.Token);
        if (deadline.IsCancellationRequested && !result.AllSucceeded)
        {
            fanout?.SetStatus(ActivityStatusCode.Error, ErrorCodes.QueryTimeout);
            return Problems.Create(ErrorCodes.QueryTimeout, cancellationToken.IsCancellationRequested
                ? "the client went away; the query was interrupted"
                : $"the query ran longer than {services.QueryLimits.Value.Effective.TotalSeconds:0.###} s (Mallard:Query:Timeout) and was interrupted in every partition; narrow it or raise the limit");
        }

        int[] missing = [];
        if (!result.AllSucceeded)
        {
            if (request.AllowPartial && result.Succeeded.Count > 0 && result.Failed.Values.All(PartitionFailures.IsUnavailable))
            {
                // The caller asked for what is there: leave out partitions whose silo is down.
                missing = result.Failed.Keys.Order().ToArray();
                fanout?.SetTag("mallard.missing_partitions", missing.Length);
            }
            else
            {
                var logger = services.Loggers.CreateLogger("Mallard.Api.Query");
                foreach (var (partition, failure) in result.Failed)
                {
                    LogPartitionFailed(logger, failure, dataset, partition);
                }

                return PartitionFailures.ToProblem(dataset, result.Failed, ErrorCodes.PartitionsUnavailable);
            }
        }

        QueryResult merged;
        try
        {
            merged = ResultMerger.Merge(definition, query, result.Succeeded.Values.ToList());
        }
        catch (OverflowException e)
        {
            return Problems.Create(ErrorCodes.SumOverflow, $"an aggregate across partitions overflows its result type: {e.Message}");
        }

        return new QueryResponse(merged, missing, partitions.Count, stopwatch.Elapsed.TotalMilliseconds);
    }

    // One call to the relay, which asks every partition from inside the cluster. If that call
    // fails as a whole (a silo one version behind does not know it, or the silo went away) and
    // the deadline has not passed, one call per partition says which partitions failed and why.
    private static async Task<FanoutResult<int, PartialResult>> QueryPartitionsAsync(
        IPartitionRelayGrain relay, string dataset, IReadOnlyList<int> partitions, PartitionQuery query, QueryServices services, CancellationToken deadline)
    {
        try
        {
            var outcomes = await relay.QueryManyWithinAsync(dataset, [.. partitions], query, deadline);
            return new FanoutResult<int, PartialResult>(
                outcomes.Where(o => o.Result is not null).ToDictionary(o => o.Partition, o => o.Result!),
                outcomes.Where(o => o.Result is null).ToDictionary(o => o.Partition, o => o.Failure ?? new InvalidOperationException($"partition {o.Partition} returned neither a result nor a failure")));
        }
        catch (Exception e) when (!deadline.IsCancellationRequested)
        {
            LogFannedOutOneByOne(services.Loggers.CreateLogger("Mallard.Api.Query"), e, dataset);
            services.Metrics.QueryFellBack(dataset);
            return await Fanout.CallAsync(partitions, p => relay.QueryWithinAsync(dataset, p, query, deadline));
        }
        catch (Exception e)
        {
            return new FanoutResult<int, PartialResult>(new Dictionary<int, PartialResult>(), partitions.ToDictionary(p => p, _ => e));
        }
    }

    private static (QueryRequest? Request, IResult? Refusal) Read(
        HttpContext http, DatasetDefinition definition, ContractStamp stamp, int maxInValues, int maxQueryValues)
    {
        var body = BufferedBody.Of(http).Bytes;
        if (body is null)
        {
            return (null, Problems.Create(ErrorCodes.BodyTooLarge, $"a query body may be at most {MaxQueryBytes} bytes"));
        }

        try
        {
            using var document = JsonDocument.Parse(body.Value, new JsonDocumentOptions { MaxDepth = 32 });
            return (QueryParser.ParseRequest(definition, stamp, document.RootElement, maxInValues, maxQueryValues), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Create(ErrorCodes.MalformedBody, $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}"));
        }
        catch (QueryException e)
        {
            return (null, Problems.Create(ErrorCodes.BadQuery, e.Message));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A query of {Dataset} could not ask its partitions in one call; asking them one by one")]
    private static partial void LogFannedOutOneByOne(ILogger logger, Exception exception, string dataset);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {Dataset}/{Partition} failed a query")]
    private static partial void LogPartitionFailed(ILogger logger, Exception? exception, string dataset, int partition);
}
