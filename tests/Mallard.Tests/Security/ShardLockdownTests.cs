using DuckDB.NET.Data;
using Mallard.Tests.Support;

namespace Mallard.Tests.Security;

/// <summary>A shard's DuckDB reads and writes its own database only: no files, no extensions, and the lockdown cannot be undone from SQL.</summary>
public sealed class ShardLockdownTests
{
    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/hostname')")]
    [InlineData("SELECT * FROM read_text('/etc/passwd')")]
    [InlineData("COPY items TO '{folder}/escape.csv'")]
    [InlineData("ATTACH '{folder}/other.duckdb' AS other")]
    [InlineData("SET enable_external_access = true")]
    [InlineData("LOAD httpfs")]
    public void ShardConnection_reachingOutsideItsDatabase_fails(string sql)
    {
        using var data = new TempDirectory("mallard-lockdown");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        shard.Append(ItemsShards.Batch([1, 2, 3]));

        // Same file, same process: the connection shares the shard's DuckDB instance and its settings.
        using var connection = new DuckDBConnection($"Data Source={shard.Path};storage_compatibility_version=latest");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql.Replace("{folder}", data.Path, StringComparison.Ordinal);

        Assert.ThrowsAny<DuckDBException>(() => command.ExecuteNonQuery());
        Assert.False(File.Exists(Path.Combine(data.Path, "escape.csv")));
        Assert.False(File.Exists(Path.Combine(data.Path, "other.duckdb")));
        Assert.Equal((3L, 1L), shard.Counts());
    }
}
