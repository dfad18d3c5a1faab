using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// The batch ledger: the receipt of every batch committed within the retention period, written in
/// the same transaction as its rows, so a retried batch finds its receipt instead of writing twice.
/// </summary>
public sealed partial class Shard
{
    /// <summary>The ledger entry of a batch committed within the retention period, if any.</summary>
    public BatchLedgerEntry? FindBatch(string batchId)
    {
        using var reader = OpenReader();
        return FindLedgerEntries(reader.Connection, [batchId], DateTime.UtcNow - _options.LedgerRetention).GetValueOrDefault(batchId);
    }

    private void WriteLedger(IEnumerable<BatchLedgerEntry> entries, DateTime committedAt, long seq)
    {
        // Appended in the table's column order (ShardSql.CreateLedgerTable).
        using var ledger = _writer.CreateAppender(ShardSql.LedgerTable);
        var at = DateTime.SpecifyKind(committedAt, DateTimeKind.Unspecified);
        foreach (var entry in entries)
        {
            ledger.CreateRow()
                .AppendValue(entry.BatchId)
                .AppendValue((int?)Partition)
                .AppendValue(entry.RequestHash)
                .AppendValue((int?)entry.Receipt.Accepted)
                .AppendValue((int?)entry.Receipt.Duplicates)
                .AppendValue(string.Join(',', entry.Receipt.DuplicateIndexes))
                .AppendValue((DateTime?)at)
                .AppendValue((long?)seq)
                .EndRow();
        }
    }

    // The entries of these batch ids committed since `sinceUtc`; ids whose entry is older (expired,
    // but not pruned yet) go to `expired`, when the caller wants them.
    private Dictionary<string, BatchLedgerEntry> FindLedgerEntries(DuckDBConnection connection, IReadOnlyCollection<string> batchIds, DateTime sinceUtc, List<string>? expired = null)
    {
        var found = new Dictionary<string, BatchLedgerEntry>(StringComparer.Ordinal);
        foreach (var chunk in batchIds.Chunk(ShardSql.MaxLedgerLookup))
        {
            using var command = BatchIdCommand(connection, ShardSql.FindLedgerEntries(chunk.Length), chunk);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var entry = ReadLedgerEntry(reader);
                if (entry.Receipt.CommittedAt.UtcDateTime >= sinceUtc)
                {
                    found[entry.BatchId] = entry;
                }
                else
                {
                    expired?.Add(entry.BatchId);
                }
            }
        }

        return found;
    }

    private static DuckDBCommand BatchIdCommand(DuckDBConnection connection, string sql, string[] batchIds)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < batchIds.Length; i++)
        {
            command.Parameters.Add(new DuckDBParameter(ShardSql.BatchIdParameter(i), batchIds[i]));
        }

        return command;
    }

    // Reads a row of ShardSql.LedgerColumns, in that order.
    private BatchLedgerEntry ReadLedgerEntry(DbDataReader reader)
    {
        var batchId = reader.GetString(0);
        var indexes = reader.GetString(4);
        var committedAt = DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc);
        var receipt = new PartitionReceipt(
            batchId,
            Partition,
            reader.GetInt32(2),
            new DateTimeOffset(committedAt),
            Replayed: true,
            reader.GetInt32(3),
            indexes.Length == 0 ? [] : indexes.Split(',').Select(i => int.Parse(i, CultureInfo.InvariantCulture)).ToArray());
        return new BatchLedgerEntry(batchId, reader.GetString(1), receipt);
    }

    // The ledger keeps batches for the idempotency retention period; older entries are deleted
    // at most once an hour, in their own transaction, after a commit. The group is committed by
    // then: a failed prune must not report it as failed, so it is returned, not thrown, and tried
    // again a minute later rather than an hour.
    private string? PruneLedgerIfDue(DateTime now)
    {
        // While the shard is copied or received, both ends must keep the same ledger.
        if (_moving || now - _lastPrune < TimeSpan.FromHours(1))
        {
            return null;
        }

        try
        {
            BeforeLedgerPrune?.Invoke();
            using var transaction = _writer.BeginTransaction();

            // The prune may delete the newest group's entries too (after a day without writes):
            // the position table keeps the position they carried.
            using (var position = _writer.CreateCommand())
            {
                position.CommandText = ShardSql.AdvancePosition;
                position.Parameters.Add(new DuckDBParameter("seq", _commitSeq));
                position.ExecuteNonQuery();
            }

            using (var command = _writer.CreateCommand())
            {
                command.CommandText = ShardSql.PruneLedger;
                command.Parameters.Add(new DuckDBParameter("cutoff", DateTime.SpecifyKind(now - _options.LedgerRetention, DateTimeKind.Unspecified)));
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            _lastPrune = now;
            return null;
        }
        catch (DuckDBException e)
        {
            _lastPrune = now - TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1);
            return DisplayText.FirstLine(e.Message);
        }
    }

    // Expired entries of batch ids the group writes again: their keys are new, and the batch id
    // is the ledger's primary key. Only reached when a found id was expired (rare).
    private void ForgetExpired(List<string> batchIds)
    {
        foreach (var chunk in batchIds.Chunk(ShardSql.MaxLedgerLookup))
        {
            using var command = BatchIdCommand(_writer, ShardSql.ForgetLedgerEntries(chunk.Length), chunk);
            command.ExecuteNonQuery();
        }
    }
}
