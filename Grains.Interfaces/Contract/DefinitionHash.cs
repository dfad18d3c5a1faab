using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mallard.Contract;

/// <summary>
/// The canonical JSON of a dataset definition (names, order, types, nullability, key, partitioning,
/// time; not descriptions) and its SHA-256. Shards store both, so a shard knows exactly which
/// definition its tables were built for, and every call carries the hash it was validated against.
/// </summary>
public static class DefinitionHash
{
    /// <summary>Canonical JSON of <paramref name="dataset"/>.</summary>
    public static string CanonicalJson(DatasetDefinition dataset)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("name", dataset.Name);
            WriteList(writer, "key", dataset.Key);
            WriteList(writer, "partition_by", dataset.PartitionBy);
            writer.WriteNumber("partitions", dataset.Partitions);
            if (dataset.TimeColumn is { } time)
            {
                writer.WriteString("time", time);
            }

            if (dataset.DedupWindow is { } window)
            {
                writer.WriteNumber("dedup_window_seconds", (long)window.TotalSeconds);
            }

            writer.WriteStartArray("columns");
            foreach (var column in dataset.Columns)
            {
                writer.WriteStartObject();
                writer.WriteString("name", column.Name);
                writer.WriteString("type", column.Type.ToString());
                writer.WriteBoolean("nullable", column.Nullable);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a definition back from its canonical JSON (as stored in a shard).</summary>
    public static DatasetDefinition FromCanonicalJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var columns = root.GetProperty("columns").EnumerateArray().Select((c, i) =>
        {
            var typeText = c.GetProperty("type").GetString()!;
            if (!ColumnType.TryParse(typeText, out var type, out var error))
            {
                throw new FormatException($"stored definition has an invalid type: {error}");
            }

            return new ColumnDefinition(c.GetProperty("name").GetString()!, type, c.GetProperty("nullable").GetBoolean(), i);
        }).ToList();
        return new DatasetDefinition(
            root.GetProperty("name").GetString()!,
            description: null,
            columns,
            root.GetProperty("key").EnumerateArray().Select(e => e.GetString()!).ToList(),
            root.GetProperty("partition_by").EnumerateArray().Select(e => e.GetString()!).ToList(),
            root.GetProperty("partitions").GetInt32(),
            root.TryGetProperty("time", out var time) ? time.GetString() : null,
            root.TryGetProperty("dedup_window_seconds", out var window) ? TimeSpan.FromSeconds(window.GetInt64()) : null);
    }

    /// <summary>SHA-256 of the canonical JSON, as 16 lower-case hex digits.</summary>
    public static string Of(DatasetDefinition dataset) => Hex(CanonicalJson(dataset));

    /// <summary>SHA-256 over the version and every dataset's canonical JSON, as 16 hex digits.</summary>
    public static string Of(int version, IEnumerable<DatasetDefinition> datasets) =>
        Hex(version.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"
            + string.Join("\n", datasets.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => d.Hash)));

    private static string Hex(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static void WriteList(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
