using System.Text.Json;
using Mallard.Api.OpenApi;
using Mallard.Api.Querying;
using Mallard.Contract;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.OpenApi;

namespace Mallard.Tests.Console;

/// <summary>
/// The OpenAPI document's query language is the one the gateway parses: every field, operator and
/// function the schemas name is accepted, and a field they do not name is refused.
/// </summary>
public sealed class QuerySchemaTests
{
    private static readonly ContractDefinition Contract = ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml"));
    private static readonly DatasetDefinition PageViews = Contract.Datasets["page_views"];
    private static readonly Dictionary<string, OpenApiSchema> Schemas = SharedSchemas.Create(new OpenApiDocument(), Contract)
        .ToDictionary(s => s.Name, s => (OpenApiSchema)s.Schema);

    [Fact]
    public void QuerySchema_namesEveryFieldTheParserAccepts_andNoOther()
    {
        Assert.Equal(QueryParser.Fields.Order(StringComparer.Ordinal), Schemas[SharedSchemas.Query].Properties!.Keys.Order(StringComparer.Ordinal));
        Assert.False(Schemas[SharedSchemas.Query].AdditionalPropertiesAllowed);
        Assert.Contains("unknown query field 'having'", Refusal("""{"having":[]}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void FilterSchema_everyOperatorItNames_isParsed_andAnotherFieldIsRefused()
    {
        var ops = Schemas[SharedSchemas.Filter].Properties!["op"].Enum!.Select(o => o.GetValue<string>()).ToArray();

        Assert.Equal(QueryParser.FilterOperators.Keys, ops);
        foreach (var op in ops)
        {
            var value = op switch
            {
                "in" => ""","value":["/a","/b"]""",
                "isNull" or "notNull" => "",
                _ => ""","value":"/a" """,
            };
            var column = op is "isNull" or "notNull" ? "country" : "page";
            Assert.Equal(QueryParser.FilterOperators[op], Parse($$"""{"filter":[{"column":"{{column}}","op":"{{op}}"{{value}}}]}""").Filters[0].Operator);
        }

        Assert.Equal(["column", "op", "value"], Schemas[SharedSchemas.Filter].Properties!.Keys);
        Assert.Contains("unknown field 'negate'", Refusal("""{"filter":[{"column":"page","op":"eq","value":"/a","negate":true}]}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void AggregateSchema_everyFunctionItNames_isParsed_andAnotherFieldIsRefused()
    {
        var functions = Schemas[SharedSchemas.Aggregate].Properties!["fn"].Enum!.Select(f => f.GetValue<string>()).ToArray();

        Assert.Equal(QueryParser.AggregateFunctions.Keys, functions);
        foreach (var fn in functions)
        {
            Assert.Equal(QueryParser.AggregateFunctions[fn], Parse($$"""{"aggregates":[{"fn":"{{fn}}","column":"duration_ms","as":"x"}]}""").Aggregates[0].Function);
        }

        Assert.Equal(["fn", "column", "as"], Schemas[SharedSchemas.Aggregate].Properties!.Keys);
        Assert.Contains("unknown field 'distinct'", Refusal("""{"aggregates":[{"fn":"count","distinct":true}]}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void OrderBySchema_andLimitBounds_areWhatTheParserTakes()
    {
        Assert.Equal(["column", "desc"], Schemas[SharedSchemas.OrderBy].Properties!.Keys);
        Assert.True(Parse("""{"orderBy":[{"column":"bytes","desc":true}]}""").OrderBy[0].Descending);
        Assert.Contains("nulls", Refusal("""{"orderBy":[{"column":"bytes","nulls":"first"}]}"""), StringComparison.Ordinal);

        var limit = Schemas[SharedSchemas.Query].Properties!["limit"];
        var (lowest, highest) = (int.Parse(limit.Minimum!, System.Globalization.CultureInfo.InvariantCulture), int.Parse(limit.Maximum!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(lowest, Parse($$"""{"limit":{{lowest}}}""").Limit);
        Assert.Equal(highest, Parse($$"""{"limit":{{highest}}}""").Limit);
        Assert.Contains("limit", Refusal($$"""{"limit":{{lowest - 1}}}"""), StringComparison.Ordinal);
        Assert.Contains("limit", Refusal($$"""{"limit":{{highest + 1}}}"""), StringComparison.Ordinal);
    }

    private static PartitionQuery Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return QueryParser.ParseRequest(PageViews, new ContractStamp(Contract.Version, PageViews.Hash), document.RootElement, maxInValues: 10).Query;
    }

    private static string Refusal(string json) => Assert.Throws<QueryException>(() => Parse(json)).Message;
}
