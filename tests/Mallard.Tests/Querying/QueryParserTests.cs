using System.Text.Json;
using Mallard.Api.Querying;
using Mallard.Contract;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Querying;

public sealed class QueryParserTests
{
    private static readonly DatasetDefinition PageViews = ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml")).Datasets["page_views"];

    [Fact]
    public void ParseRequest_aggregate_query_keeps_filters_groups_aggregates_order_and_limit()
    {
        var request = Parse("""
            {"filter":[{"column":"country","op":"in","value":["DE","FR"]},{"column":"bytes","op":"gte","value":"100"}],
             "groupBy":["page"],"aggregates":[{"fn":"count","as":"n"},{"fn":"avg","column":"duration_ms"}],
             "orderBy":[{"column":"n","desc":true}],"limit":7,"allowPartial":true}
            """);

        var query = request.Query;
        Assert.True(request.AllowPartial);
        Assert.True(query.IsAggregate);
        Assert.Equal([("country", FilterOperator.In, 2), ("bytes", FilterOperator.Gte, 1)], query.Filters.Select(f => (f.Column, f.Operator, f.Values!.Count)));
        Assert.Equal(100L, query.Filters[1].Values!.GetValue(0));
        Assert.Equal(["page"], query.GroupBy);
        Assert.Equal([(AggregateFunction.Count, (string?)null, "n"), (AggregateFunction.Avg, "duration_ms", "avg_duration_ms")], query.Aggregates.Select(a => (a.Function, a.Column, a.Alias)));
        Assert.Equal([new QueryOrder("n", true)], query.OrderBy);
        Assert.Equal(7, query.Limit);
        Assert.Empty(query.Select);
    }

    [Fact]
    public void ParseRequest_raw_query_without_select_returns_every_column_and_the_default_limit()
    {
        var request = Parse("{}");

        Assert.False(request.AllowPartial);
        Assert.Equal(PageViews.Columns.Select(c => c.Name), request.Query.Select);
        Assert.Equal(QueryParser.DefaultLimit, request.Query.Limit);
    }

    [Theory]
    [InlineData("""{"where":[]}""", "unknown query field 'where'")]
    [InlineData("""{"aggregates":[{"fn":"sum","column":"page"}]}""", "cannot sum 'page', which is string")]
    [InlineData("""{"aggregates":[{"fn":"avg","column":"day"}]}""", "cannot avg 'day', which is date")]
    [InlineData("""{"aggregates":[{"fn":"median","column":"bytes"}]}""", "unknown fn 'median'")]
    [InlineData("""{"groupBy":["page"],"aggregates":[{"fn":"count"}],"orderBy":[{"column":"bytes"}]}""", "'bytes' is not an output column")]
    [InlineData("""{"limit":0}""", "'limit' must be an integer from 1 to 10000")]
    [InlineData("""{"filter":[{"column":"nope","op":"eq","value":"x"}]}""", "filter[0]: 'nope' is not a column of 'page_views'")]
    [InlineData("""{"filter":[{"column":"bytes","op":"eq","value":"12x"}]}""", "filter[0].value for 'bytes' (int64)")]
    [InlineData("""{"filter":[{"column":"page","op":"eq","value":null}]}""", "null never compares equal")]
    [InlineData("""{"filter":[{"column":"page","op":"in","value":["a","b","c"]}]}""", "'in' takes at most 2 values")]
    [InlineData("""{"select":["page"],"groupBy":["page"]}""", "'select' is for raw rows")]
    [InlineData("""{"allowPartial":"yes"}""", "'allowPartial' must be true or false")]
    [InlineData("""{"filter":[{"column":"page","op":"in","value":["a","b"]},{"column":"user_id","op":"in","value":["c","d"]},{"column":"bot","op":"eq","value":true}]}""", "binds more than 4 values in all (Mallard:Gateway:MaxQueryValues)")]
    [InlineData("""{"filter":[{"column":"page","op":"isNull"},{"column":"page","op":"isNull"},{"column":"page","op":"isNull"},{"column":"page","op":"isNull"},{"column":"page","op":"isNull"}]}""", "binds more than 4 values in all")]
    public void ParseRequest_invalid_query_is_refused_naming_what_to_fix(string body, string expected)
    {
        var e = Assert.Throws<QueryException>(() => Parse(body));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRequest_long_unknown_column_name_is_shortened_in_the_message()
    {
        var name = new string('x', 500);

        var e = Assert.Throws<QueryException>(() => Parse($$"""{"select":["{{name}}"]}"""));

        Assert.Contains(new string('x', DisplayText.MaxName) + "…", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', DisplayText.MaxName + 1), e.Message, StringComparison.Ordinal);
    }

    private static QueryRequest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return QueryParser.ParseRequest(PageViews, new ContractStamp(1, PageViews.Hash), document.RootElement, maxInValues: 2, maxQueryValues: 4);
    }
}
