using DuckDB.NET.Data;

namespace Mallard.Tests.Support;

/// <summary>page_views rows read straight from a silo's shard files (the silo must be stopped).</summary>
public static class PageViewShards
{
    /// <summary>Every page_views row under <paramref name="dataDirectory"/>, with its partition.</summary>
    public static List<(Guid EventId, int Partition)> Read(string dataDirectory)
    {
        var rows = new List<(Guid, int)>();
        var folder = Path.Combine(dataDirectory, "shards", "page_views");
        foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "*.duckdb") : [])
        {
            var partition = int.Parse(Path.GetFileNameWithoutExtension(file), System.Globalization.CultureInfo.InvariantCulture);
            using var connection = new DuckDBConnection($"Data Source={file};ACCESS_MODE=READ_ONLY");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT event_id FROM page_views";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetGuid(0), partition));
            }
        }

        return rows;
    }

    /// <summary>
    /// Each acknowledged record is stored exactly once, and every shard file holding rows is on the
    /// ordinal that owns its partition. <paramref name="dataDirectories"/> is indexed by ordinal.
    /// </summary>
    public static void AssertEveryAcknowledgedRowOnceOnItsOwner(IReadOnlyList<string> dataDirectories, IReadOnlyCollection<Guid> acknowledged, int[] owners)
    {
        var stored = dataDirectories.SelectMany((directory, ordinal) => Read(directory).Select(r => (r.EventId, r.Partition, Ordinal: ordinal))).ToList();
        Assert.All(stored, r => Assert.Equal(owners[r.Partition], r.Ordinal));
        Assert.Equal(0, stored.GroupBy(r => r.EventId).Count(g => g.Count() > 1));
        var storedIds = stored.Select(r => r.EventId).ToHashSet();
        Assert.Equal(0, acknowledged.Count(id => !storedIds.Contains(id)));
        Assert.Equal(acknowledged.Distinct().Count(), stored.Count);
    }
}
