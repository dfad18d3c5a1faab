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
public sealed partial class Shard : IDisposable
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

    /// <summary>Tests inject a failure into this shard's ledger prune here (a fault seam; null in production).</summary>
    internal Action? BeforeLedgerPrune { get; set; }

    /// <summary>Test seam: runs on a query's thread after its first row, given whether a write has preempted it.</summary>
    internal Action<Func<bool>>? AfterFirstQueryRow { get; set; }

    /// <summary>Test seam: the index of the stored keys' hashes (null with a dedup window).</summary>
    internal StoredKeyIndex? StoredKeyHashes => _storedKeys;

    /// <summary>Test seam: runs inside a group's transaction, just before it commits, under the write gate.</summary>
    internal Action? BeforeCommit { get; set; }

    private long _commitSeq;

    // Rows in the shard's table as of its last commit: unfiltered counts are answered from it.
    private long _rowCount;
    private long _reportedKeyHashBytes;
    private int _checkedBatches;

    // The memory_limit waiting to be applied (0: none), and the one DuckDB has.
    private int _pendingMemoryLimitMb;
    private int _memoryLimitMb;
    private PartitionException? _sealed;
    private bool _disposed;

    // Hashes of every stored key (null with a dedup window); written under the write gate.
    private StoredKeyIndex? _storedKeys;
    private WindowedKeyHashes? _windowKeys;

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
    internal static Shard Open(string path, DatasetDefinition dataset, int partition, ContractDefinition contract, ShardOptions options, int memoryLimitMb, int keyIndexMb, Action<Shard> onDispose)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        options.Validate();

        var connection = new DuckDBConnection($"Data Source={path};storage_compatibility_version={options.StorageVersion}");
        StoredKeyIndex? storedKeys = null;
        try
        {
            connection.Open();
            DuckDbCommands.Execute(connection, ShardSql.SetMemoryLimit(memoryLimitMb));
            DuckDbCommands.Execute(connection, ShardSql.SetThreads(options.Threads));
            DuckDbCommands.Execute(connection, AutomaticCheckpoints(options));
            foreach (var statement in ShardSql.Lockdown(path + ".tmp", options.TempDirectoryLimitMb))
            {
                DuckDbCommands.Execute(connection, statement);
            }

            using (var transaction = connection.BeginTransaction())
            {
                DuckDbCommands.Execute(connection, ShardSql.CreateShardTable);
                DuckDbCommands.Execute(connection, ShardSql.CreateLedgerTable);
                DuckDbCommands.Execute(connection, ShardSql.CreateFenceTable);
                DuckDbCommands.Execute(connection, ShardSql.CreatePositionTable);
                DuckDbCommands.Execute(connection, ShardSql.AddLedgerSequence);
                DuckDbCommands.Execute(connection, ShardSql.InitPosition);
                transaction.Commit();
            }

            // The unique index of older shards goes first, in its own transaction: DuckDB refuses
            // most ALTERs on an indexed table, and dropping and altering in one transaction
            // crashed DuckDB 1.5.6 here.
            DuckDbCommands.Execute(connection, ShardSql.DropLegacyKeyIndex);

            IReadOnlyList<EvolutionStep> applied;
            using (var transaction = connection.BeginTransaction())
            {
                applied = ShardEvolution.BringUpToDate(connection, dataset, partition, contract);
                transaction.Commit();
            }

            var physical = ShardEvolution.CheckDrift(connection, dataset);
            DuckDbCommands.Execute(connection, ShardSql.CreateStagingTable(dataset));
            var order = physical.Select(name => dataset.TryGetColumn(name, out var column) ? column.Ordinal : -1).ToArray();
            var position = Convert.ToInt64(DuckDbCommands.Scalar(connection, ShardSql.ReadPosition), CultureInfo.InvariantCulture);
            var rows = Convert.ToInt64(DuckDbCommands.Scalar(connection, ShardSql.CountRows(dataset)), CultureInfo.InvariantCulture);
            storedKeys = LoadStoredKeys(connection, dataset, partition, KeyIndexPath(path), (long)keyIndexMb << 20);
            var windowKeys = LoadWindowKeys(connection, dataset);
            return new Shard(path, dataset, partition, options, connection, order, onDispose)
            {
                AppliedSteps = applied, _commitSeq = position, _memoryLimitMb = memoryLimitMb, _rowCount = rows, _storedKeys = storedKeys, _windowKeys = windowKeys,
            };
        }
        catch
        {
            storedKeys?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The folder of a shard's key index: derived files, deleted when the shard closes or opens.</summary>
    internal static string KeyIndexPath(string shardPath) => shardPath + ".keys";

    // Exact dedup over the shard's whole history starts from the hashes of every stored key,
    // derived from the rows at open (nothing to keep in step with DuckDB across a crash); a
    // dataset with a dedup window checks a time range instead and keeps no index.
    private static StoredKeyIndex? LoadStoredKeys(DuckDBConnection connection, DatasetDefinition dataset, int partition, string directory, long memoryBytes)
    {
        if (dataset.DedupWindow is not null)
        {
            return null;
        }

        var keys = new StoredKeyIndex(directory, memoryBytes);
        try
        {
            var repeated = false;
            using (var command = connection.CreateCommand())
            {
                command.CommandText = ShardSql.StoredKeys(dataset);
                ReadKeyHashes(command, dataset, ColumnKind.Int64, (rowid, hash) => repeated |= !keys.Add(hash, rowid));
            }

            // A repeated hash is two keys sharing it (about once in 10^5 shards of 10^7 keys) or a
            // key stored twice (a dataset that dropped its dedup window): only the rows can tell.
            if (repeated && DuckDbCommands.Scalar(connection, ShardSql.RepeatedKey(dataset)) is string twice)
            {
                throw new PartitionException(ErrorCodes.DuplicateKeys, $"shard {dataset.Name}/{partition} holds records with duplicate keys (key {DisplayText.Shorten(twice, DisplayText.MaxValue)} is stored more than once); exact dedup cannot be enforced");
            }

            return keys;
        }
        catch
        {
            keys.Dispose();
            throw;
        }
    }

    // A dataset with a dedup window keeps the key hashes of its newest windows of event time, read
    // from the rows of those windows at open (the time bounds prune by zone map).
    private static WindowedKeyHashes? LoadWindowKeys(DuckDBConnection connection, DatasetDefinition dataset)
    {
        if (dataset.DedupWindow is not { } span || dataset.TimeColumn is not { } time)
        {
            return null;
        }

        var window = new WindowedKeyHashes((long)span.TotalMicroseconds);
        if (DuckDbCommands.Scalar(connection, ShardSql.MaxTime(dataset, time)) is not DateTime newest)
        {
            return window;
        }

        var first = window.BucketOf(ValueText.DateTimeToTimestamp(newest)) - WindowedKeyHashes.MaxBuckets + 1;
        window.KeepFrom(first);
        var since = (long)Int128.Clamp((Int128)first * (long)span.TotalMicroseconds, ValueText.MinTimestampMicros, ValueText.MaxTimestampMicros);
        using var command = connection.CreateCommand();
        command.CommandText = ShardSql.WindowKeys(dataset);
        command.Parameters.Add(new DuckDBParameter("since", DateTime.SpecifyKind(ValueText.TimestampToDateTime(since), DateTimeKind.Unspecified)));
        ReadKeyHashes(command, dataset, ColumnKind.Timestamp, (at, hash) => window.Add(hash, at));
        window.Measure();
        return window;
    }

    // Streams the rows of a query whose first column is a BIGINT (or a timestamp, as microseconds)
    // and whose other columns are the dataset's key: that value and the key's hash, row by row,
    // hashing in chunks so that no key value outlives its chunk.
    private static void ReadKeyHashes(DuckDBCommand command, DatasetDefinition dataset, ColumnKind leading, Action<long, ulong> each)
    {
        const int Chunk = 16_384;
        var kinds = dataset.KeyOrdinals.Select(o => dataset.Columns[o].Type.Kind).ToArray();
        using var reader = command.ExecuteReader();
        var more = true;
        while (more)
        {
            var first = new ColumnVectorBuilder(leading, Chunk);
            var builders = kinds.Select(kind => new ColumnVectorBuilder(kind, Chunk)).ToArray();
            var count = 0;
            while (count < Chunk && (more = reader.Read()))
            {
                DuckDbValues.Read(reader, 0, first);
                for (var k = 0; k < builders.Length; k++)
                {
                    DuckDbValues.Read(reader, k + 1, builders[k]);
                }

                count++;
            }

            var hashes = RecordKey.Hashes([.. builders.Select(b => b.Build())], count);
            var values = first.Build().Int64s!;
            for (var row = 0; row < count; row++)
            {
                each(values[row], hashes[row]);
            }
        }
    }

    /// <summary>
    /// Sets this shard's DuckDB <c>memory_limit</c> between writes, without waiting for one: a shard
    /// in the middle of a commit takes the new limit before its next write. DuckDB refuses a limit
    /// below what it cannot give back right now (a running query's hash table, with spilling
    /// bounded); the shard then keeps its limit and applies the new one before a later write.
    /// </summary>
    /// <returns>Whether the limit applies now.</returns>
    public bool SetMemoryLimit(int megabytes)
    {
        Volatile.Write(ref _pendingMemoryLimitMb, megabytes);
        if (!_writeGate.TryEnter())
        {
            return false;
        }

        try
        {
            return _disposed || ApplyPendingMemoryLimit();
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    // Called under the write gate.
    private bool ApplyPendingMemoryLimit()
    {
        var megabytes = Interlocked.Exchange(ref _pendingMemoryLimitMb, 0);
        if (megabytes == 0 || megabytes == _memoryLimitMb)
        {
            return true;
        }

        try
        {
            DuckDbCommands.Execute(_writer, ShardSql.SetMemoryLimit(megabytes));
            Volatile.Write(ref _memoryLimitMb, megabytes);
            return true;
        }
        catch (DuckDBException e) when (DuckDbErrors.IsOutOfMemory(e))
        {
            // Kept for the next write, unless a newer limit came meanwhile.
            Interlocked.CompareExchange(ref _pendingMemoryLimitMb, megabytes, 0);
            return false;
        }
    }

    /// <summary>The <c>memory_limit</c> this shard's DuckDB has now, in MiB.</summary>
    public int MemoryLimitMb => Volatile.Read(ref _memoryLimitMb);

    /// <summary>Bytes DuckDB holds in memory for this shard (buffers, indexes); 0 if it cannot be read now.</summary>
    public long MemoryBytes()
    {
        try
        {
            using var reader = OpenReader();
            var connection = reader.Connection;
            return Convert.ToInt64(DuckDbCommands.Scalar(connection, ShardSql.MemoryUsage), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is DuckDBException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>Memory of this shard's key hashes: its stored-key index or its windows' sets; read without the write gate.</summary>
    public long KeyHashBytes => _storedKeys?.Bytes ?? _windowKeys?.Bytes ?? 0;

    /// <summary>Bytes of this shard's key runs on disk.</summary>
    public long KeyIndexDiskBytes => _storedKeys?.DiskBytes ?? 0;

    /// <summary>Pages of key runs read since the shard opened (keys the filter let through).</summary>
    public long KeyIndexPageReads => _storedKeys?.DiskLookups.PagesRead ?? 0;

    /// <summary>Test seam: batches that took the staging path (their keys compared with the stored rows').</summary>
    internal int CheckedBatches => Volatile.Read(ref _checkedBatches);

    /// <summary>Test seam: the key hashes of a dataset with a dedup window.</summary>
    internal WindowedKeyHashes? WindowKeyHashes => _windowKeys;

    /// <summary>Called after a commit when the shard's key hashes take more or less memory: the silo's budget counts them.</summary>
    internal Action? KeyHashesGrew { get; set; }

    /// <summary>Row count, ledger size, watermark and file size.</summary>
    public PartitionStats Stats()
    {
        using var reader = OpenReader();
        var connection = reader.Connection;
        var rows = Convert.ToInt64(DuckDbCommands.Scalar(connection, ShardSql.CountRows(_dataset)), CultureInfo.InvariantCulture);
        var batches = Convert.ToInt64(DuckDbCommands.Scalar(connection, ShardSql.CountLedger), CultureInfo.InvariantCulture);
        long? watermark = null;
        if (_dataset.TimeColumn is { } time && DuckDbCommands.Scalar(connection, ShardSql.MaxTime(_dataset, time)) is DateTime max)
        {
            watermark = ValueText.DateTimeToTimestamp(max);
        }

        var bytes = new FileInfo(Path).Length + WalBytes();
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
            if (_checkpointsSuspended)
            {
                // A move that pinned the file ended without resuming; the closing checkpoint folds the WAL in.
                DuckDbCommands.Execute(_writer, AutomaticCheckpoints(_options));
            }

            while (_readers.TryTake(out var reader))
            {
                reader.Dispose();
            }

            _writer.Dispose();
            _storedKeys?.Dispose();
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
}
