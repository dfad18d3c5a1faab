using DuckDB.NET.Data;

namespace Mallard.Grains.Shards;

/// <summary>Runs one statement on a connection; the SQL text comes from <see cref="ShardSql"/>.</summary>
internal static class DuckDbCommands
{
    public static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
