using System.Text.Encodings.Web;
using System.Text.Json;
using Mallard.Api.Encoding;

namespace Mallard.Api.Querying;

/// <summary>A merged query result as JSON: columns, rows with every contract type exact, and partial-answer stats.</summary>
internal sealed class QueryResponse(QueryResult result, int[] missingPartitions, int partitions, double elapsedMs) : IResult
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
