using System.Data.Common;
using System.Globalization;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// One DuckDB file holding one (dataset, partition): the rows, the batch ledger and the shard's
/// identity. Writes go through a single connection, one transaction per batch; each query opens
/// its own connection on the same native database and so reads a committed snapshot.
/// Every method blocks on DuckDB: callers run it off the Orleans scheduler.
/// </summary>
public sealed class Shard : IDisposable
{
    private readonly DuckDBConnection _writer;
    private readonly string _connectionString;
    private readonly DatasetDefinition _dataset;
    private readonly ShardOptions _options;
    private readonly Lock _writeGate = new();
    private readonly Action<Shard> _onDispose;
    private const int MaxPooledReaders = 4;
    private readonly System.Collections.Concurrent.ConcurrentBag<DuckDBConnection> _readers = [];
    private readonly int[] _contractOrdinalOfPhysical;
    private DateTime _lastPrune = DateTime.MinValue;
    private bool _disposed;

    private Shard(string path, DatasetDefinition dataset, int partition, ShardOptions options, DuckDBConnection writer, int[] contractOrdinalOfPhysical, Action<Shard> onDispose)
    {
        Path = path;
        _dataset = dataset;
        Partition = partition;
        _options = options;
        _writer = writer;
        _connectionString = writer.ConnectionString;
        _contractOrdinalOfPhysical = contractOrdinalOfPhysical;
        _onDispose = onDispose;
    }

    /// <summary>The evolution steps this open applied to the shard (empty when it was already current).</summary>
    public IReadOnlyList<EvolutionStep> AppliedSteps { get; private init; } = [];

    /// <summary>Canonical path of the shard file.</summary>
    public string Path { get; }

    /// <summary>The partition number.</summary>
    public int Partition { get; }

    /// <summary>
    /// Opens (creating if needed) the shard file, checks it belongs to this dataset and partition,
    /// brings its tables to the contract's definition in one transaction with the metadata that
    /// records it, and refuses a shard whose real columns differ from the contract (drift).
    /// </summary>
    /// <exception cref="PartitionException">The shard belongs elsewhere, cannot be migrated, or has drifted.</exception>
    internal static Shard Open(string path, DatasetDefinition dataset, int partition, ContractDefinition contract, ShardOptions options, Action<Shard> onDispose)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // The setting goes into the connection string: a value with a separator would smuggle in others.
        if (!options.StorageVersion.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_'))
        {
            throw new ArgumentException($"Mallard:Shards:StorageVersion '{options.StorageVersion}' is not a DuckDB storage version (e.g. latest, v1.5.0)");
        }

        var connection = new DuckDBConnection($"Data Source={path};storage_compatibility_version={options.StorageVersion}");
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET memory_limit = '{options.MemoryLimitMb}MB'"));
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {options.Threads}"));

            using (var transaction = connection.BeginTransaction())
            {
                Execute(connection, ShardSql.CreateShardTable);
                Execute(connection, ShardSql.CreateLedgerTable);
                Execute(connection, ShardSql.CreateFenceTable);
                transaction.Commit();
            }

            // The key index is derived state, so it is dropped before an upgrade and rebuilt after it,
            // each in its own transaction: DuckDB refuses most ALTERs on an indexed table, and
            // dropping, altering and re-indexing in one transaction crashed DuckDB 1.5.6 here.
            if (ShardEvolution.PendingSteps(connection, dataset, partition, contract).Count > 0)
            {
                Execute(connection, ShardSql.DropKeyIndex);
            }

            IReadOnlyList<EvolutionStep> applied;
            using (var transaction = connection.BeginTransaction())
            {
                applied = ShardEvolution.BringUpToDate(connection, dataset, partition, contract);
                transaction.Commit();
            }

            EnsureKeyIndex(connection, dataset, partition);

            var physical = ShardEvolution.CheckDrift(connection, dataset);
            Execute(connection, ShardSql.CreateStagingTable(dataset));
            var order = physical.Select(name => dataset.TryGetColumn(name, out var column) ? column.Ordinal : -1).ToArray();
            return new Shard(path, dataset, partition, options, connection, order, onDispose) { AppliedSteps = applied };
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Appends one batch in its own transaction; see <see cref="AppendGroup"/>.</summary>
    /// <exception cref="PartitionException"><c>idempotency_conflict</c> when the batch id was committed for another request.</exception>
    public PartitionReceipt Append(RecordBatch batch)
    {
        var outcome = AppendGroup([batch])[0];
        return outcome.Receipt ?? throw outcome.Error!;
    }

    /// <summary>
    /// Appends several batches in one transaction (group commit). Each batch's new rows and its
    /// ledger entry commit together, so after a crash either both are there (a retry finds the
    /// ledger entry and writes nothing) or neither is. Records whose key is already stored, or
    /// repeats earlier in the batch, are duplicates. A batch refused on its own (wrong shape, a
    /// batch id reused for another body) fails alone; a storage error fails the whole group.
    /// </summary>
    public IReadOnlyList<(PartitionReceipt? Receipt, Exception? Error)> AppendGroup(IReadOnlyList<RecordBatch> batches)
    {
        var outcomes = new (PartitionReceipt? Receipt, Exception? Error)[batches.Count];
        var prepared = new (List<int> Staged, List<int> Duplicates)?[batches.Count];
        for (var i = 0; i < batches.Count; i++)
        {
            try
            {
                CheckBatchShape(batches[i]);
                prepared[i] = SplitDuplicatesWithinBatch(batches[i]);
            }
            catch (PartitionException e)
            {
                outcomes[i] = (null, e);
            }
        }

        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // Most batches bring only new keys: append them straight into the table and let the
            // unique key index prove it. If a stored key turns up, the transaction rolls back and
            // the group is written again through the staging table, which names each duplicate.
            if (_dataset.DedupWindow is null)
            {
                try
                {
                    return WriteGroup(batches, prepared, outcomes, direct: true);
                }
                catch (DuckDBException e) when (IsUniqueViolation(e))
                {
                    Array.Clear(outcomes);
                    RestoreRefusals(batches, prepared, outcomes);
                }
            }

            return WriteGroup(batches, prepared, outcomes, direct: false);
        }
    }

    private (PartitionReceipt? Receipt, Exception? Error)[] WriteGroup(
        IReadOnlyList<RecordBatch> batches,
        (List<int> Staged, List<int> Duplicates)?[] prepared,
        (PartitionReceipt? Receipt, Exception? Error)[] outcomes,
        bool direct)
    {
        using var transaction = _writer.BeginTransaction();
        var committedAt = DateTime.UtcNow;
        var earlier = FindLedgerEntries(batches.Where((_, i) => prepared[i] is not null).Select(b => b.BatchId).Distinct().ToList());

        // A batch id can come twice in one group (a retry queued behind the original): the second
        // replays what the first wrote in this transaction.
        var written = new Dictionary<string, BatchLedgerEntry>(StringComparer.Ordinal);
        DuckDBAppender? rows = null;
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
                        : (null, new PartitionException("idempotency_conflict", $"batch {batch.BatchId} was committed to partition {Partition} for a different request body"));
                    continue;
                }

                PartitionReceipt receipt;
                if (direct)
                {
                    rows ??= _writer.CreateAppender(_dataset.Name);
                    AppendRows(rows, batch, work.Staged);
                    receipt = Receipt(batch, work.Staged.Count, work.Duplicates, committedAt);
                }
                else
                {
                    receipt = WriteChecked(batch, work.Staged, work.Duplicates, committedAt);
                }

                written[batch.BatchId] = new BatchLedgerEntry(batch.BatchId, batch.RequestHash, receipt);
                outcomes[i] = (receipt, null);
            }

            // Flushing the appender is where the unique index refuses a stored key.
            var flushing = rows;
            rows = null;
            flushing?.Dispose();
            WriteLedger(written.Values, committedAt);
        }
        catch (DuckDBException e) when (!(direct && IsUniqueViolation(e)))
        {
            // The transaction is lost: every batch of the group fails, each can be retried.
            throw StorageFailure(e);
        }
        finally
        {
            DisposeQuietly(rows);
        }

        FailPoints.Hit("shard.before_commit");
        try
        {
            transaction.Commit();
        }
        catch (DuckDBException e)
        {
            throw StorageFailure(e);
        }

        PruneLedgerIfDue(committedAt);
        return outcomes;
    }

    private static void DisposeQuietly(DuckDBAppender? appender)
    {
        try
        {
            appender?.Dispose();
        }
        catch (DuckDBException)
        {
            // Only reached when the transaction already failed; it rolls back.
        }
    }

    private void AppendRows(DuckDBAppender appender, RecordBatch batch, List<int> staged)
    {
        foreach (var row in staged)
        {
            // The appender writes in the table's physical order, which differs from the
            // contract's once columns have been added online.
            var appenderRow = appender.CreateRow();
            foreach (var ordinal in _contractOrdinalOfPhysical)
            {
                AppendValue(appenderRow, batch.Columns[ordinal], row);
            }

            appenderRow.EndRow();
        }
    }

    private PartitionReceipt Receipt(RecordBatch batch, int accepted, List<int> duplicates, DateTime committedAt)
    {
        var duplicateIndexes = duplicates.Select(row => batch.RecordIndexes[row]).Order().Take(PartitionReceipt.MaxListedDuplicates).ToArray();
        return new PartitionReceipt(batch.BatchId, Partition, accepted, new DateTimeOffset(committedAt), Replayed: false, duplicates.Count, duplicateIndexes);
    }

    private void WriteLedger(IEnumerable<BatchLedgerEntry> entries, DateTime committedAt)
    {
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
                .EndRow();
        }
    }

    private Dictionary<string, BatchLedgerEntry> FindLedgerEntries(List<string> batchIds)
    {
        var found = new Dictionary<string, BatchLedgerEntry>(StringComparer.Ordinal);
        foreach (var chunk in batchIds.Chunk(500))
        {
            using var command = _writer.CreateCommand();
            var names = chunk.Select((_, i) => "$b" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            command.CommandText = $"SELECT batch_id, request_hash, accepted, duplicates, duplicate_indexes, committed_at FROM {ShardSql.LedgerTable} "
                + $"WHERE committed_at >= $since AND batch_id IN ({string.Join(", ", names)})";
            command.Parameters.Add(new DuckDBParameter("since", DateTime.SpecifyKind(DateTime.UtcNow - _options.LedgerRetention, DateTimeKind.Unspecified)));
            for (var i = 0; i < chunk.Length; i++)
            {
                command.Parameters.Add(new DuckDBParameter(names[i][1..], chunk[i]));
            }

            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var entry = ReadLedgerEntry(reader, reader.GetString(0));
                found[entry.BatchId] = entry;
            }
        }

        return found;
    }

    // Batches refused before writing (wrong shape) keep their refusal when the group is redone.
    private void RestoreRefusals(IReadOnlyList<RecordBatch> batches, (List<int> Staged, List<int> Duplicates)?[] prepared, (PartitionReceipt? Receipt, Exception? Error)[] outcomes)
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

    private static bool IsUniqueViolation(DuckDBException e) =>
        e.Message.Contains("violates unique constraint", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("violates primary key constraint", StringComparison.OrdinalIgnoreCase);

    // DuckDB's exception type is not known to the gateway; a typed, named reason is.
    private PartitionException StorageFailure(DuckDBException e) =>
        e.Message.Contains("Out of Memory", StringComparison.OrdinalIgnoreCase)
            ? new PartitionException(
                "shard_memory_exhausted",
                $"shard {_dataset.Name}/{Partition} ran out of its {_options.MemoryLimitMb} MiB memory_limit while writing ({FirstLine(e.Message)}); "
                + "raise Mallard:Shards:MemoryLimitMb, use more partitions, or declare a dedup_window")
            : new PartitionException("shard_write_failed", $"shard {_dataset.Name}/{Partition} could not commit: {FirstLine(e.Message)}");

    // Within the batch the first record with a key wins; this needs no lock.
    private (List<int> Staged, List<int> Duplicates) SplitDuplicatesWithinBatch(RecordBatch batch)
    {
        var keyColumns = _dataset.KeyOrdinals.Select(o => batch.Columns[o]).ToArray();
        var repeated = RecordKey.RepeatedWithinBatch(_dataset, keyColumns, batch.RowCount);
        if (repeated.Count == 0)
        {
            return (Enumerable.Range(0, batch.RowCount).ToList(), []);
        }

        var isRepeated = repeated.ToHashSet();
        return (Enumerable.Range(0, batch.RowCount).Where(row => !isRepeated.Contains(row)).ToList(), repeated);
    }

    // The careful path: stage the rows, insert those whose key is not stored, and name the rest.
    private PartitionReceipt WriteChecked(RecordBatch batch, List<int> staged, List<int> duplicateRows, DateTime committedAt)
    {
        Execute(_writer, $"DELETE FROM {ShardSql.StagingTable}");
        using (var appender = _writer.CreateAppender(ShardSql.StagingTable))
        {
            AppendRows(appender, batch, staged);
        }

        var (insertedCount, insertedKeys) = InsertStaged(batch, staged);
        var duplicates = duplicateRows;
        if (insertedCount < staged.Count)
        {
            // Some keys were already stored: only now is it worth naming which.
            var keyColumns = _dataset.KeyOrdinals.Select(o => batch.Columns[o]).ToArray();
            var inserted = new HashSet<string>(insertedCount, StringComparer.Ordinal);
            for (var row = 0; row < insertedCount; row++)
            {
                inserted.Add(RecordKey.Of(_dataset, insertedKeys, row));
            }

            duplicates = duplicateRows.Concat(staged.Where(row => !inserted.Contains(RecordKey.Of(_dataset, keyColumns, row)))).ToList();
        }

        return Receipt(batch, insertedCount, duplicates, committedAt);
    }

    /// <summary>The ledger entry of a batch committed within the retention period, if any.</summary>
    public BatchLedgerEntry? FindBatch(string batchId)
    {
        using var reader = OpenReader();
        return FindLedgerEntry(reader.Connection, batchId);
    }

    /// <summary>Runs a query on its own connection, i.e. on a committed snapshot.</summary>
    public PartialResult Query(PartitionQuery query)
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
            using var reader = command.ExecuteReader();
            var rows = 0;
            while (reader.Read())
            {
                if (query.IsAggregate && ++rows > _options.MaxGroupsPerPartition)
                {
                    throw new PartitionException(
                        "too_many_groups",
                        $"partition {Partition} of '{_dataset.Name}' has more than {_options.MaxGroupsPerPartition} groups; filter or group more coarsely");
                }

                for (var c = 0; c < builders.Length; c++)
                {
                    ReadValue(reader, c, builders[c]);
                }
            }
        }
        catch (DuckDBException e) when (e.Message.Contains("out of range", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("Overflow", StringComparison.OrdinalIgnoreCase))
        {
            throw new PartitionException("sum_overflow", $"a sum in partition {Partition} of '{_dataset.Name}' overflows its result type: {FirstLine(e.Message)}");
        }
        catch (OverflowException)
        {
            throw new PartitionException("sum_overflow", $"a sum in partition {Partition} of '{_dataset.Name}' overflows its result type");
        }

        var vectors = builders.Select(b => b.Build()).ToArray();
        return new PartialResult(Partition, columns, vectors, vectors.Length == 0 ? 0 : vectors[0].Count);
    }

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
                Execute(_writer, $"DELETE FROM {ShardSql.FenceTable}");
                using var insert = _writer.CreateCommand();
                insert.CommandText = $"INSERT INTO {ShardSql.FenceTable} VALUES ($epoch, $ordinal, $at)";
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
        Convert.ToInt64(Scalar(connection, $"SELECT coalesce(max(epoch), 0) FROM {ShardSql.FenceTable}"), CultureInfo.InvariantCulture);

    /// <summary>Sets this shard's DuckDB <c>memory_limit</c> (between writes).</summary>
    public void SetMemoryLimit(int megabytes)
    {
        lock (_writeGate)
        {
            if (!_disposed)
            {
                Execute(_writer, string.Create(CultureInfo.InvariantCulture, $"SET memory_limit = '{megabytes}MB'"));
            }
        }
    }

    /// <summary>Bytes DuckDB holds in memory for this shard (buffers, indexes); 0 if it cannot be read now.</summary>
    public long MemoryBytes()
    {
        try
        {
            using var reader = OpenReader();
            var connection = reader.Connection;
            // sum() of BIGINT is HUGEINT in DuckDB; the cast keeps the result a plain int64.
            return Convert.ToInt64(Scalar(connection, "SELECT CAST(coalesce(sum(memory_usage_bytes), 0) AS BIGINT) FROM duckdb_memory()"), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is DuckDBException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>Row count, ledger size, watermark and file size.</summary>
    public PartitionStats Stats()
    {
        using var reader = OpenReader();
        var connection = reader.Connection;
        var rows = Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM {ShardSql.Quote(_dataset.Name)}"), CultureInfo.InvariantCulture);
        var batches = Convert.ToInt64(Scalar(connection, $"SELECT count(*) FROM {ShardSql.LedgerTable}"), CultureInfo.InvariantCulture);
        long? watermark = null;
        if (_dataset.TimeColumn is { } time && Scalar(connection, $"SELECT max({ShardSql.Quote(time)}) FROM {ShardSql.Quote(_dataset.Name)}") is DateTime max)
        {
            watermark = ValueText.DateTimeToTimestamp(max);
        }

        var bytes = new FileInfo(Path).Length + (File.Exists(Path + ".wal") ? new FileInfo(Path + ".wal").Length : 0);
        return new PartitionStats(Partition, rows, batches, watermark, bytes);
    }

    /// <summary>Closes the writer connection; the native database closes with the last connection.</summary>
    public void Dispose()
    {
        lock (_writeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_readers.TryTake(out var reader))
            {
                reader.Dispose();
            }

            _writer.Dispose();
        }

        _onDispose(this);
    }

    // Readers are pooled: opening a connection per query cost more than small queries themselves.
    // Each connection serves one query at a time, in autocommit, so it reads the latest commit.
    private ReaderLease OpenReader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_readers.TryTake(out var connection))
        {
            connection = new DuckDBConnection(_connectionString);
            connection.Open();
        }

        return new ReaderLease(this, connection);
    }

    private void ReturnReader(DuckDBConnection connection)
    {
        if (_disposed || _readers.Count >= MaxPooledReaders)
        {
            connection.Dispose();
            return;
        }

        _readers.Add(connection);
        if (_disposed && _readers.TryTake(out var late))
        {
            late.Dispose();
        }
    }

    private sealed class ReaderLease(Shard shard, DuckDBConnection connection) : IDisposable
    {
        public DuckDBConnection Connection => connection;

        public void Dispose() => shard.ReturnReader(connection);
    }

    private BatchLedgerEntry? FindLedgerEntry(DuckDBConnection connection, string batchId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT batch_id, request_hash, accepted, duplicates, duplicate_indexes, committed_at FROM {ShardSql.LedgerTable} WHERE batch_id = $id AND committed_at >= $since";
        command.Parameters.Add(new DuckDBParameter("id", batchId));
        command.Parameters.Add(new DuckDBParameter("since", DateTime.SpecifyKind(DateTime.UtcNow - _options.LedgerRetention, DateTimeKind.Unspecified)));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadLedgerEntry(reader, batchId) : null;
    }

    private BatchLedgerEntry ReadLedgerEntry(DbDataReader reader, string batchId)
    {
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

    private (int Count, ColumnVector[] Keys) InsertStaged(RecordBatch batch, List<int> staged)
    {
        using var command = _writer.CreateCommand();
        command.CommandText = ShardSql.InsertStaged(_dataset);
        if (_dataset.DedupWindow is { } window)
        {
            var times = batch.Columns[_dataset.Columns.First(c => c.Name == _dataset.TimeColumn).Ordinal].Int64s!;
            var lower = staged.Count == 0 ? 0 : staged.Min(row => times[row]);
            var upper = staged.Count == 0 ? 0 : staged.Max(row => times[row]);
            var windowMicros = (long)window.TotalMicroseconds;
            command.Parameters.Add(new DuckDBParameter("lower", DateTime.SpecifyKind(ValueText.TimestampToDateTime(Math.Max(lower - windowMicros, ValueText.MinTimestampMicros)), DateTimeKind.Unspecified)));
            command.Parameters.Add(new DuckDBParameter("upper", DateTime.SpecifyKind(ValueText.TimestampToDateTime(Math.Min(upper + windowMicros, ValueText.MaxTimestampMicros)), DateTimeKind.Unspecified)));
        }

        var builders = _dataset.KeyOrdinals.Select(o => new ColumnVectorBuilder(_dataset.Columns[o].Type.Kind, Math.Max(staged.Count, 4))).ToArray();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                for (var k = 0; k < builders.Length; k++)
                {
                    ReadValue(reader, k, builders[k]);
                }
            }
        }

        var keys = builders.Select(b => b.Build()).ToArray();
        return (keys.Length == 0 ? 0 : keys[0].Count, keys);
    }

    // The ledger keeps batches for the idempotency retention period; older entries are deleted
    // at most once an hour, in their own transaction, after a commit.
    private void PruneLedgerIfDue(DateTime now)
    {
        if (now - _lastPrune < TimeSpan.FromHours(1))
        {
            return;
        }

        _lastPrune = now;
        using var command = _writer.CreateCommand();
        command.CommandText = $"DELETE FROM {ShardSql.LedgerTable} WHERE committed_at < $cutoff";
        command.Parameters.Add(new DuckDBParameter("cutoff", DateTime.SpecifyKind(now - _options.LedgerRetention, DateTimeKind.Unspecified)));
        command.ExecuteNonQuery();
    }

    private void CheckBatchShape(RecordBatch batch)
    {
        if (batch.Columns.Length != _dataset.Columns.Count)
        {
            throw new PartitionException("batch_mismatch", $"batch {batch.BatchId} has {batch.Columns.Length} columns; '{_dataset.Name}' has {_dataset.Columns.Count}");
        }

        for (var c = 0; c < batch.Columns.Length; c++)
        {
            var column = _dataset.Columns[c];
            var vector = batch.Columns[c];
            if (vector.Kind != column.Type.Kind || vector.Count != batch.RowCount)
            {
                throw new PartitionException("batch_mismatch", $"batch {batch.BatchId} column {c} is {vector.Kind}×{vector.Count}; expected '{column.Name}' {column.Type}×{batch.RowCount}");
            }

            if (!column.Nullable && vector.Nulls is not null && Array.IndexOf(vector.Nulls, true) >= 0)
            {
                throw new PartitionException("batch_mismatch", $"batch {batch.BatchId} has a null in required column '{column.Name}'");
            }
        }
    }

    // Values are appended with their exact .NET type: an int literal would bind to a narrower
    // overload and write the wrong bytes.
    private static void AppendValue(IDuckDBAppenderRow row, ColumnVector vector, int index)
    {
        if (vector.IsNull(index))
        {
            row.AppendNullValue();
            return;
        }

        switch (vector.Kind)
        {
            case ColumnKind.String: row.AppendValue(vector.Strings![index]); break;
            case ColumnKind.Bool: row.AppendValue((bool?)vector.Bools![index]); break;
            case ColumnKind.Int32: row.AppendValue((int?)vector.Int32s![index]); break;
            case ColumnKind.Int64: row.AppendValue((long?)vector.Int64s![index]); break;
            case ColumnKind.Float64: row.AppendValue((double?)vector.Float64s![index]); break;
            case ColumnKind.Decimal: row.AppendValue((decimal?)vector.Decimals![index]); break;
            case ColumnKind.Timestamp: row.AppendValue((DateTime?)ValueText.TimestampToDateTime(vector.Int64s![index])); break;
            case ColumnKind.Date: row.AppendValue((DateTime?)ValueText.DateToDateOnly(vector.Int32s![index]).ToDateTime(TimeOnly.MinValue)); break;
            case ColumnKind.Uuid: row.AppendValue((Guid?)vector.Uuids![index]); break;
            default: throw new InvalidOperationException($"unknown column kind {vector.Kind}");
        }
    }

    private static void ReadValue(DbDataReader reader, int ordinal, ColumnVectorBuilder builder)
    {
        if (reader.IsDBNull(ordinal))
        {
            builder.AppendNull();
            return;
        }

        switch (builder.Kind)
        {
            case ColumnKind.String: builder.AppendString(reader.GetString(ordinal)); break;
            case ColumnKind.Bool: builder.AppendBool(reader.GetBoolean(ordinal)); break;
            case ColumnKind.Int32: builder.AppendInt32(reader.GetInt32(ordinal)); break;
            case ColumnKind.Int64: builder.AppendInt64(reader.GetInt64(ordinal)); break;
            case ColumnKind.Float64: builder.AppendFloat64(reader.GetDouble(ordinal)); break;
            case ColumnKind.Decimal: builder.AppendDecimal(reader.GetDecimal(ordinal)); break;
            case ColumnKind.Timestamp: builder.AppendInt64(ValueText.DateTimeToTimestamp(reader.GetDateTime(ordinal))); break;
            case ColumnKind.Date: builder.AppendInt32(ValueText.DateOnlyToDate(reader.GetFieldValue<DateOnly>(ordinal))); break;
            case ColumnKind.Uuid: builder.AppendUuid(reader.GetGuid(ordinal)); break;
            default: throw new InvalidOperationException($"unknown column kind {builder.Kind}");
        }
    }

    // Exact dedup over the shard's whole history is a unique index on the key; a dataset with a
    // dedup window checks a time range instead and keeps no index.
    private static void EnsureKeyIndex(DuckDBConnection connection, DatasetDefinition dataset, int partition)
    {
        if (dataset.DedupWindow is not null)
        {
            Execute(connection, ShardSql.DropKeyIndex);
            return;
        }

        try
        {
            Execute(connection, ShardSql.CreateKeyIndex(dataset));
        }
        catch (DuckDBException e) when (e.Message.Contains("duplicate key", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("unique", StringComparison.OrdinalIgnoreCase))
        {
            throw new PartitionException("duplicate_keys", $"shard {dataset.Name}/{partition} holds records with duplicate keys; exact dedup cannot be enforced: {FirstLine(e.Message)}");
        }
    }

    internal static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
