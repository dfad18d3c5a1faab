using Mallard.Grains.Ownership;
using Npgsql;

namespace Mallard.Silo.Cluster;

/// <summary>
/// The ownership store in PostgreSQL (tables of postgresql-cluster.sql), one service's rows. Each
/// method is one statement, so the epoch bump and the owner switch are each atomic; the switch is
/// conditional on the owner and epoch the move sealed, so a source that reclaimed its partition
/// (or a second switch) makes it fail instead of creating two writers.
/// </summary>
public sealed class PostgresOwnershipStore(NpgsqlDataSource database, string serviceId) : IOwnershipStore
{
    // One statement with positional parameters ($1, $2, …).
    private NpgsqlCommand Command(string sql, params object[] values)
    {
        var command = database.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    public async Task<int[]> ReadDatasetAsync(string dataset, CancellationToken cancellationToken = default)
    {
        await using var command = Command(
            "SELECT partition, owner FROM mallard_partition_owners WHERE service_id = $1 AND dataset = $2 ORDER BY partition", serviceId, dataset);
        var owners = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken) && reader.GetInt32(0) == owners.Count)
        {
            owners.Add(reader.GetInt32(1));
        }

        return [.. owners];
    }

    public async Task<int[]> AssignAsync(string dataset, int[] owners, CancellationToken cancellationToken = default)
    {
        await using (var command = Command(
            "INSERT INTO mallard_partition_owners (service_id, dataset, partition, owner) "
            + "SELECT $1, $2, p - 1, o FROM unnest($3::integer[]) WITH ORDINALITY AS a(o, p) ON CONFLICT DO NOTHING", serviceId, dataset, owners))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return await ReadDatasetAsync(dataset, cancellationToken);
    }

    public async Task<PartitionOwnership?> ReadAsync(string dataset, int partition, CancellationToken cancellationToken = default)
    {
        await using var command = Command(
            "SELECT owner, epoch FROM mallard_partition_owners WHERE service_id = $1 AND dataset = $2 AND partition = $3", serviceId, dataset, partition);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new PartitionOwnership(reader.GetInt32(0), reader.GetInt64(1)) : null;
    }

    public async Task<long?> TakeEpochAsync(string dataset, int partition, int ordinal, long floor, CancellationToken cancellationToken = default)
    {
        await using var command = Command(
            "UPDATE mallard_partition_owners SET epoch = greatest(epoch, $5) + 1, changed_at = now() "
            + "WHERE service_id = $1 AND dataset = $2 AND partition = $3 AND owner = $4 RETURNING epoch", serviceId, dataset, partition, ordinal, floor);
        return await command.ExecuteScalarAsync(cancellationToken) is long epoch ? epoch : null;
    }

    public async Task<bool> SwitchAsync(string dataset, int partition, int from, long epoch, int to, CancellationToken cancellationToken = default)
    {
        await using var command = Command(
            "UPDATE mallard_partition_owners SET owner = $6, epoch = epoch + 1, changed_at = now() "
            + "WHERE service_id = $1 AND dataset = $2 AND partition = $3 AND owner = $4 AND epoch = $5", serviceId, dataset, partition, from, epoch, to);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyDictionary<string, int[]>> ReadMapAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command(
            "SELECT dataset, partition, owner FROM mallard_partition_owners WHERE service_id = $1 ORDER BY dataset, partition", serviceId);
        var map = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var owners = map.TryGetValue(reader.GetString(0), out var list) ? list : map[reader.GetString(0)] = [];
            if (reader.GetInt32(1) == owners.Count)
            {
                owners.Add(reader.GetInt32(2));
            }
        }

        return map.ToDictionary(d => d.Key, d => d.Value.ToArray(), StringComparer.Ordinal);
    }

    public async Task<IReadOnlySet<int>> ReadDrainedAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command("SELECT ordinal FROM mallard_drained_ordinals WHERE service_id = $1", serviceId);
        var drained = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            drained.Add(reader.GetInt32(0));
        }

        return drained;
    }

    public async Task SetDrainedAsync(int ordinal, bool drained, CancellationToken cancellationToken = default)
    {
        await using var command = Command(drained
            ? "INSERT INTO mallard_drained_ordinals (service_id, ordinal) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            : "DELETE FROM mallard_drained_ordinals WHERE service_id = $1 AND ordinal = $2", serviceId, ordinal);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
