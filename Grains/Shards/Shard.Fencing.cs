using System.Globalization;
using DuckDB.NET.Data;

namespace Mallard.Grains.Shards;

/// <summary>Fencing: the newest epoch an activation stamped into the shard, so a superseded writer is refused.</summary>
public sealed partial class Shard
{
    /// <summary>
    /// Stamps <paramref name="epoch"/> as the shard's fencing epoch, unless the shard already
    /// carries a newer one (then nothing is written). Returns the epoch stamped before this call
    /// (0 for a new shard).
    /// </summary>
    public long StampEpoch(long epoch, int ordinal)
    {
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction();
            var stamped = StampedEpoch(_writer);
            if (stamped < epoch)
            {
                DuckDbCommands.Execute(_writer, ShardSql.ClearFence);
                using var insert = _writer.CreateCommand();
                insert.CommandText = ShardSql.InsertFence;
                insert.Parameters.Add(new DuckDBParameter("epoch", epoch));
                insert.Parameters.Add(new DuckDBParameter("ordinal", ordinal));
                insert.Parameters.Add(new DuckDBParameter("at", DateTime.UtcNow));
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            return stamped;
        }
    }

    /// <summary>The newest fencing epoch stamped into the shard (0 for a new shard).</summary>
    public long StampedEpoch()
    {
        using var reader = OpenReader();
        return StampedEpoch(reader.Connection);
    }

    private static long StampedEpoch(DuckDBConnection connection) =>
        Convert.ToInt64(DuckDbCommands.Scalar(connection, ShardSql.StampedEpoch), CultureInfo.InvariantCulture);
}
