using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>Reads: a query runs on a pooled reader connection, i.e. on a committed snapshot.</summary>
public sealed partial class Shard
{
    /// <summary>
    /// Runs a query on its own connection, i.e. on a committed snapshot. Cancelling
    /// <paramref name="cancellationToken"/> interrupts the statement in DuckDB; the reader goes
    /// back to the pool and the query fails with <c>query_timeout</c>.
    /// </summary>
    public PartialResult Query(PartitionQuery query, CancellationToken cancellationToken = default)
    {
        var (sql, parameters, columns) = ShardSql.Build(_dataset, query, _options.MaxGroupsPerPartition);
        using var lease = OpenReader();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        var builders = columns.Select(c => new ColumnVectorBuilder(c.Type.Kind)).ToArray();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var interrupt = cancellationToken.Register(command.Cancel);
            using var reader = command.ExecuteReader();
            var rows = 0;
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (query.IsAggregate && ++rows > _options.MaxGroupsPerPartition)
                {
                    throw new PartitionException(
                        ErrorCodes.TooManyGroups,
                        $"partition {Partition} of '{_dataset.Name}' has more than {_options.MaxGroupsPerPartition} groups; filter or group more coarsely");
                }

                for (var c = 0; c < builders.Length; c++)
                {
                    DuckDbValues.Read(reader, c, builders[c]);
                }
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is DuckDBException or OperationCanceledException)
        {
            throw new PartitionException(ErrorCodes.QueryTimeout, $"the query on partition {Partition} of '{_dataset.Name}' was interrupted: it ran past the gateway's query timeout, or its client went away");
        }
        catch (DuckDBException e) when (DuckDbErrors.IsOverflow(e))
        {
            throw new PartitionException(ErrorCodes.SumOverflow, $"a sum in partition {Partition} of '{_dataset.Name}' overflows its result type: {DisplayText.FirstLine(e.Message)}");
        }
        catch (OverflowException)
        {
            throw new PartitionException(ErrorCodes.SumOverflow, $"a sum in partition {Partition} of '{_dataset.Name}' overflows its result type");
        }

        var vectors = builders.Select(b => b.Build()).ToArray();
        return new PartialResult(Partition, columns, vectors, vectors.Length == 0 ? 0 : vectors[0].Count);
    }
}
