using Npgsql;

namespace Mallard.Silo.Cluster;

/// <summary>
/// Creates (or brings up to date) the PostgreSQL objects the Orleans ADO.NET providers need. Runs at
/// every silo start in PostgreSQL mode: one transaction under an advisory lock, every statement
/// idempotent, so silos starting together do not race and a restart changes nothing.
/// </summary>
public static class PostgresClusterSchema
{
    // Any fixed number; it only has to be the same for every Mallard silo.
    private const long SetupLockId = 0x4D414C4C415244;

    /// <summary>The setup script shipped with the silo.</summary>
    public static string Script()
    {
        using var stream = typeof(PostgresClusterSchema).Assembly.GetManifestResourceStream("Mallard.Silo.Cluster.postgresql-cluster.sql")
            ?? throw new InvalidOperationException("the cluster setup script is not embedded in the silo");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Applies the setup script.</summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SetupLockId})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var setup = new NpgsqlCommand(Script(), connection, transaction))
        {
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
