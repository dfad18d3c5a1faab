using System.Text.Unicode;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>The write path: group commits, the ledger lookup a group of new keys skips, and the direct append (which rows are new: Shard.Dedup.cs).</summary>
public sealed partial class Shard
{
    private int _ledgerConflicts;

    /// <summary>Test seam: groups written a second time because a batch id they did not look up was in the ledger.</summary>
    internal int LedgerConflicts => Volatile.Read(ref _ledgerConflicts);

    /// <summary>Appends one batch in its own transaction; see <see cref="AppendGroup"/>.</summary>
    /// <exception cref="PartitionException"><c>idempotency_key_reused</c> when the batch id was committed for another request.</exception>
    public PartitionReceipt Append(RecordBatch batch)
    {
        var outcome = AppendGroup([batch]).Outcomes[0];
        return outcome.Receipt ?? throw outcome.Error!;
    }

    /// <summary>
    /// Appends several batches in one transaction (group commit). Each batch's new rows and its
    /// ledger entry commit together, so after a crash either both are there (a retry finds the
    /// ledger entry and writes nothing) or neither is. Records whose key is already stored, or
    /// repeats earlier in the batch, are duplicates. A batch refused on its own (wrong shape, a
    /// batch id reused for another body) fails alone; a storage error fails the whole group.
    /// A group that writes anything takes the next commit sequence; <paramref name="origin"/> replays
    /// a group another shard committed (a move's catch-up) at its position and commit time.
    /// </summary>
    /// <exception cref="PartitionException">The shard is sealed for a move, or <paramref name="origin"/> is not the next position.</exception>
    public GroupCommit AppendGroup(IReadOnlyList<RecordBatch> batches, LogPosition? origin = null)
    {
        var outcomes = new (PartitionReceipt? Receipt, Exception? Error)[batches.Count];
        var prepared = new PreparedBatch?[batches.Count];
        for (var i = 0; i < batches.Count; i++)
        {
            try
            {
                CheckBatchShape(batches[i]);
                prepared[i] = Prepare(batches[i]);
            }
            catch (PartitionException e)
            {
                outcomes[i] = (null, e);
            }
        }

        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sealed is { } seal)
            {
                throw new PartitionException(seal.Code, seal.Message);
            }

            if (origin is not null && origin.Seq != _commitSeq + 1)
            {
                throw new PartitionException(ErrorCodes.ShardWriteFailed, $"shard {_dataset.Name}/{Partition} is at commit {_commitSeq}; a replayed group at {origin.Seq} leaves a gap");
            }

            ApplyPendingMemoryLimit();
            try
            {
                return WriteGroupOnce(batches, prepared, outcomes, origin);
            }
            catch (PartitionException e) when (e.Code == ErrorCodes.ShardMemoryExhausted && !_runningQueries.IsEmpty)
            {
                // Queries share the shard's memory_limit: the write comes first. The group rolled
                // back whole; it is written once more after the queries have let go.
                var preempted = PreemptQueries();
                Array.Clear(outcomes);
                RestoreRefusals(batches, prepared, outcomes);
                return WriteGroupOnce(batches, prepared, outcomes, origin) with { QueriesPreempted = preempted };
            }
        }
    }

    // A group skips the ledger lookup when none of its batches can have been committed before; if
    // one was after all (its id reused for a body of new keys), the ledger's primary key refuses
    // the group, which rolls back and is written once more, this time looking its ids up.
    private GroupCommit WriteGroupOnce(
        IReadOnlyList<RecordBatch> batches,
        PreparedBatch?[] prepared,
        (PartitionReceipt? Receipt, Exception? Error)[] outcomes,
        LogPosition? origin)
    {
        if (!NoKeyStored(prepared))
        {
            return WriteGroup(batches, prepared, outcomes, origin, keysKnownNew: false);
        }

        try
        {
            return WriteGroup(batches, prepared, outcomes, origin, keysKnownNew: true);
        }
        catch (LedgerConflict)
        {
            Interlocked.Increment(ref _ledgerConflicts);
            Array.Clear(outcomes);
            RestoreRefusals(batches, prepared, outcomes);
            return WriteGroup(batches, prepared, outcomes, origin, keysKnownNew: false);
        }
    }

    // Whether no key of any batch is in the shard's set of stored keys, i.e. no batch was
    // committed before: a committed batch stored every key it staged (inserted or found), unless
    // its id came back with another body. Without the exact set (a dedup window) nothing is known.
    private bool NoKeyStored(PreparedBatch?[] prepared)
    {
        if (_storedKeys is not { } stored)
        {
            return false;
        }

        foreach (var work in prepared)
        {
            if (work is null)
            {
                continue;
            }

            if (work.KeyHashes.Length == 0)
            {
                return false;
            }

            foreach (var hash in work.KeyHashes)
            {
                if (stored.Contains(hash))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private GroupCommit WriteGroup(
        IReadOnlyList<RecordBatch> batches,
        PreparedBatch?[] prepared,
        (PartitionReceipt? Receipt, Exception? Error)[] outcomes,
        LogPosition? origin,
        bool keysKnownNew)
    {
        var lookUpLedger = !keysKnownNew;
        using var transaction = _writer.BeginTransaction();
        var committedAt = origin?.CommittedAt ?? DateTime.UtcNow;
        var seq = 0L;
        var batchIds = batches.Where((_, i) => prepared[i] is not null).Select(b => b.BatchId).Distinct().ToList();

        // Retention is measured from the group's own commit time, so a replay on a move's target
        // decides exactly as the source did.
        var since = committedAt - _options.LedgerRetention;
        var expired = new List<string>();
        var earlier = lookUpLedger ? FindLedgerEntries(_writer, batchIds, since, expired) : [];

        // A batch id can come twice in one group (a retry queued behind the original): the second
        // replays what the first wrote in this transaction.
        var written = new Dictionary<string, BatchLedgerEntry>(StringComparer.Ordinal);

        // Hashes of the keys this group stores and the rowid of each batch's first row (rowids
        // are dense: rows are only ever appended): they join the shard's set only once it commits.
        var groupKeys = new List<(ulong[] Hashes, long FirstRow, long[]? Times)>();

        // The key hashes of the group's earlier batches, which a later batch may repeat; only
        // kept when the group has more than one batch.
        var earlierHashes = batches.Count > 1 ? new HashSet<ulong>() : null;
        var nextRow = _rowCount;
        ChunkAppender? rows = null;
        try
        {
            for (var i = 0; i < batches.Count; i++)
            {
                if (prepared[i] is not { } work)
                {
                    continue;
                }

                var batch = batches[i];
                if ((earlier.GetValueOrDefault(batch.BatchId) ?? written.GetValueOrDefault(batch.BatchId)) is { } entry)
                {
                    outcomes[i] = entry.RequestHash == batch.RequestHash
                        ? (entry.Receipt with { Replayed = true }, null)
                        : (null, new PartitionException(ErrorCodes.IdempotencyKeyReused, $"batch {batch.BatchId} was committed to partition {Partition} for a different request body"));
                    continue;
                }

                PartitionReceipt receipt;
                var firstRow = nextRow;
                if ((_storedKeys is not null || _windowKeys is not null) && !MayRepeatKey(work, earlierHashes, keysKnownNew))
                {
                    // Most batches bring only new keys: no stored key has any of their hashes
                    // (within the window, with one), so the rows go straight into the table, in order.
                    rows ??= OpenAppender(_dataset.Name);
                    rows.Append(batch, work.Staged);
                    receipt = Receipt(batch, work.Staged.Count, work.Duplicates, committedAt);
                }
                else
                {
                    // A hash matched (a stored key, or rarely another key with the same hash), or
                    // the dataset dedups within a time window: the staging table compares the real
                    // keys. It must see the rows appended before it in this transaction. Which
                    // rowid each inserted row got is not known.
                    FlushAppender(ref rows);
                    receipt = WriteChecked(batch, work.Staged, work.Duplicates, committedAt);
                    firstRow = -1;
                    Interlocked.Increment(ref _checkedBatches);
                }

                // Every staged key is stored now: inserted here or found already there.
                nextRow += receipt.Accepted;
                groupKeys.Add((work.KeyHashes, firstRow, work.Times));
                if (i < batches.Count - 1)
                {
                    earlierHashes?.UnionWith(work.KeyHashes);
                }
                written[batch.BatchId] = new BatchLedgerEntry(batch.BatchId, batch.RequestHash, receipt);
                outcomes[i] = (receipt, null);
            }

            FlushAppender(ref rows);
            if (written.Count > 0)
            {
                // The group's position in the partition's log, stored with its ledger entries.
                seq = _commitSeq + 1;
                if (expired.Count > 0)
                {
                    ForgetExpired(expired);
                }

                WriteLedger(written.Values, committedAt, seq);
            }
        }
        catch (DuckDBException e) when (!lookUpLedger && DuckDbErrors.IsConstraintViolation(e))
        {
            throw new LedgerConflict();
        }
        catch (DuckDBException e)
        {
            // The transaction is lost: every batch of the group fails, each can be retried.
            throw StorageFailure(e);
        }
        finally
        {
            DisposeQuietly(rows);
        }

        FailPoints.Hit("shard.before_commit");
        BeforeCommit?.Invoke();
        try
        {
            transaction.Commit();
        }
        catch (DuckDBException e) when (!lookUpLedger && DuckDbErrors.IsConstraintViolation(e))
        {
            throw new LedgerConflict();
        }
        catch (DuckDBException e)
        {
            throw StorageFailure(e);
        }

        if (seq > 0)
        {
            _commitSeq = seq;
            Volatile.Write(ref _rowCount, _rowCount + outcomes.Sum(o => o.Receipt is { Replayed: false } receipt ? receipt.Accepted : 0));
            if (_storedKeys is { } stored)
            {
                foreach (var (hashes, firstRow, _) in groupKeys)
                {
                    for (var row = 0; row < hashes.Length; row++)
                    {
                        // Rows appended straight had every hash found absent before this commit;
                        // the staging path's keys may have been stored already.
                        _ = firstRow < 0 ? stored.Add(hashes[row], -1) : stored.AddNew(hashes[row], firstRow + row);
                    }
                }
            }

            if (_windowKeys is { } window)
            {
                foreach (var (hashes, _, times) in groupKeys)
                {
                    for (var row = 0; row < hashes.Length; row++)
                    {
                        window.Add(hashes[row], times![row]);
                    }
                }

                window.Measure();
            }

            if (KeyHashBytes != _reportedKeyHashBytes)
            {
                _reportedKeyHashBytes = KeyHashBytes;
                KeyHashesGrew?.Invoke();
            }
        }

        return new GroupCommit(outcomes, seq, committedAt) { LedgerPruneFailure = PruneLedgerIfDue(committedAt) };
    }

    // The appender writes in the table's physical order, which differs from the contract's once
    // columns have been added online. The staging table has the data table's columns.
    private ChunkAppender OpenAppender(string table) => ChunkAppender.Create(_writer, table, _dataset, _contractOrdinalOfPhysical);

    // Flushing writes the appender's rows into the transaction.
    private static void FlushAppender(ref ChunkAppender? appender)
    {
        var flushing = appender;
        appender = null;
        try
        {
            flushing?.Flush();
        }
        finally
        {
            flushing?.Dispose();
        }
    }

    // Only reached with rows not flushed when the transaction already failed; it rolls back.
    private static void DisposeQuietly(ChunkAppender? appender) => appender?.Dispose();

    private PartitionReceipt Receipt(RecordBatch batch, int accepted, List<int> duplicates, DateTime committedAt)
    {
        var duplicateIndexes = duplicates.Select(row => batch.RecordIndexes[row]).Order().Take(PartitionReceipt.MaxListedDuplicates).ToArray();
        return new PartitionReceipt(batch.BatchId, Partition, accepted, new DateTimeOffset(committedAt), Replayed: false, duplicates.Count, duplicateIndexes);
    }

    // Batches refused before writing (wrong shape) keep their refusal when the group is redone.
    private void RestoreRefusals(IReadOnlyList<RecordBatch> batches, PreparedBatch?[] prepared, (PartitionReceipt? Receipt, Exception? Error)[] outcomes)
    {
        for (var i = 0; i < batches.Count; i++)
        {
            if (prepared[i] is null)
            {
                try
                {
                    CheckBatchShape(batches[i]);
                }
                catch (PartitionException e)
                {
                    outcomes[i] = (null, e);
                }
            }
        }
    }

    // DuckDB's exception type is not known to the gateway; a typed, named reason is.
    private PartitionException StorageFailure(DuckDBException e) =>
        DuckDbErrors.IsOutOfMemory(e)
            ? new PartitionException(
                ErrorCodes.ShardMemoryExhausted,
                $"shard {_dataset.Name}/{Partition} ran out of its {_memoryLimitMb} MiB memory_limit while writing ({DisplayText.FirstLine(e.Message)}; held by {MemoryHolders()}); "
                + "raise Mallard:Shards:MemoryLimitMb or MemoryBudgetMb, use more partitions, or declare a dedup_window")
            : new PartitionException(ErrorCodes.ShardWriteFailed, $"shard {_dataset.Name}/{Partition} could not commit: {DisplayText.FirstLine(e.Message)}");

    private string MemoryHolders()
    {
        try
        {
            using var reader = OpenReader();
            using var command = reader.Connection.CreateCommand();
            command.CommandText = ShardSql.MemoryByTag;
            using var rows = command.ExecuteReader();
            var holders = new List<string>();
            while (rows.Read())
            {
                holders.Add($"{rows.GetString(0)} {rows.GetInt64(1) / (1024.0 * 1024):F1} MiB");
            }

            return string.Join(", ", holders);
        }
        catch (Exception e) when (e is DuckDBException or ObjectDisposedException or InvalidCastException)
        {
            return "unknown";
        }
    }

    private void CheckBatchShape(RecordBatch batch)
    {
        if (batch.Columns.Length != _dataset.Columns.Count)
        {
            throw new PartitionException(ErrorCodes.BatchMismatch, $"batch {batch.BatchId} has {batch.Columns.Length} columns; '{_dataset.Name}' has {_dataset.Columns.Count}");
        }

        for (var c = 0; c < batch.Columns.Length; c++)
        {
            var column = _dataset.Columns[c];
            var vector = batch.Columns[c];
            if (vector.Kind != column.Type.Kind || vector.Count != batch.RowCount)
            {
                throw new PartitionException(ErrorCodes.BatchMismatch, $"batch {batch.BatchId} column {c} is {vector.Kind}×{vector.Count}; expected '{column.Name}' {column.Type}×{batch.RowCount}");
            }

            if (!column.Nullable && vector.Nulls is not null && Array.IndexOf(vector.Nulls, true) >= 0)
            {
                throw new PartitionException(ErrorCodes.BatchMismatch, $"batch {batch.BatchId} has a null in required column '{column.Name}'");
            }

            if (vector.Utf8 is { } utf8 && (vector.Utf8Offsets is not { } offsets || !IsValidUtf8(utf8, offsets, vector.Count)))
            {
                throw new PartitionException(ErrorCodes.BatchMismatch, $"batch {batch.BatchId} column '{column.Name}' has a value that is not valid UTF-8");
            }
        }
    }

    // DuckDB stores a string that is not valid UTF-8 as NULL without an error. The gateway checks
    // every body; this keeps a peer's corrupt bytes from becoming nulls: the offsets rise within
    // the bytes, the values' bytes are valid as a whole and every value starts on a character (not
    // on a continuation byte).
    private static bool IsValidUtf8(byte[] utf8, int[] offsets, int count)
    {
        if (offsets.Length != count + 1 || offsets[0] < 0 || offsets[count] > utf8.Length
            || !Utf8.IsValid(utf8.AsSpan(offsets[0], Math.Max(0, offsets[count] - offsets[0]))))
        {
            return false;
        }

        for (var row = 1; row <= count; row++)
        {
            if (offsets[row] < offsets[row - 1] || (offsets[row] < offsets[count] && (utf8[offsets[row]] & 0xC0) == 0x80))
            {
                return false;
            }
        }

        return true;
    }

    // The ledger refused a batch id the group did not look up: it had been committed before.
    private sealed class LedgerConflict : Exception;
}
