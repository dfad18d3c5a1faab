using Mallard.Silo.Cluster;
using Mallard.Tests.Support;
using Npgsql;

namespace Mallard.Tests.PostgresCluster;

[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterSchemaTests(PostgresServer postgres)
{
    // The statement keys the Orleans 10.4 ADO.NET providers look up (read from their assemblies).
    private static readonly string[] ProviderQueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task ApplyAsync_bySeveralSilosAtOnceAndAgain_createsEveryProviderStatementOnce()
    {
        var connectionString = await postgres.CreateDatabaseAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresClusterSchema.ApplyAsync(connectionString)));
        await PostgresClusterSchema.ApplyAsync(connectionString);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Equal(ProviderQueryKeys.Order(), keys.Order());
    }
}
