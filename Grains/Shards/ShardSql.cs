using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// Builds the SQL a shard runs. Identifiers come only from the validated contract and are quoted;
/// every value is a bound parameter.
/// </summary>
internal static partial class ShardSql
{
    public const string LedgerTable = "_mallard_batches";
    public const string ShardTable = "_mallard_shard";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string DuckDbType(ColumnType type) => type.Kind switch
    {
        ColumnKind.String => "VARCHAR",
        ColumnKind.Bool => "BOOLEAN",
        ColumnKind.Int32 => "INTEGER",
        ColumnKind.Int64 => "BIGINT",
        ColumnKind.Float64 => "DOUBLE",
        ColumnKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"DECIMAL({type.Precision},{type.Scale})"),
        ColumnKind.Timestamp => "TIMESTAMP",
        ColumnKind.Date => "DATE",
        ColumnKind.Uuid => "UUID",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static string CreateDataTable(DatasetDefinition dataset)
    {
        var sql = new StringBuilder($"CREATE TABLE IF NOT EXISTS {Quote(dataset.Name)} (");
        for (var i = 0; i < dataset.Columns.Count; i++)
        {
            var column = dataset.Columns[i];
            sql.Append(i == 0 ? "" : ", ").Append(Quote(column.Name)).Append(' ').Append(DuckDbType(column.Type));
            if (!column.Nullable)
            {
                sql.Append(" NOT NULL");
            }
        }

        return sql.Append(')').ToString();
    }

    public const string StagingTable = "_mallard_staging";

    public static string CreateLedgerTable =>
        $"CREATE TABLE IF NOT EXISTS {LedgerTable} (batch_id VARCHAR PRIMARY KEY, partition INTEGER NOT NULL, request_hash VARCHAR NOT NULL, "
        + "accepted INTEGER NOT NULL, duplicates INTEGER NOT NULL, duplicate_indexes VARCHAR NOT NULL, committed_at TIMESTAMP NOT NULL, commit_seq BIGINT)";

    /// <summary>Ledgers written before the commit sequence existed gain its column (null for their entries).</summary>
    public const string AddLedgerSequence = $"ALTER TABLE {LedgerTable} ADD COLUMN IF NOT EXISTS commit_seq BIGINT";

    public const string PositionTable = "_mallard_position";

    /// <summary>One row: the shard's commit sequence, the position of its newest group commit in the partition's log.</summary>
    public const string CreatePositionTable = $"CREATE TABLE IF NOT EXISTS {PositionTable} (commit_seq BIGINT NOT NULL)";

    /// <summary>A shard from before the commit sequence starts at position 0.</summary>
    public const string InitPosition = $"INSERT INTO {PositionTable} SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM {PositionTable})";

    /// <summary>
    /// The newest group's entries in the ledger carry the position; the position table keeps it
    /// for when the ledger has none left (written before a prune deletes entries).
    /// </summary>
    public const string ReadPosition =
        $"SELECT greatest((SELECT coalesce(max(commit_seq), 0) FROM {PositionTable}), (SELECT coalesce(max(commit_seq), 0) FROM {LedgerTable}))";

    public const string AdvancePosition = $"UPDATE {PositionTable} SET commit_seq = $seq";

    /// <summary>Suspends automatic checkpoints, so the database file stays as the last checkpoint left it while it is copied.</summary>
    public const string SuspendCheckpoints = "SET checkpoint_threshold = '1000TB'";

    /// <summary>DuckDB's automatic checkpoint at this WAL size (Mallard's own checkpoints come first; this is their backstop).</summary>
    public static string AutomaticCheckpoints(int walMb) => string.Create(CultureInfo.InvariantCulture, $"SET checkpoint_threshold = '{walMb}MiB'");

    public const string Checkpoint = "CHECKPOINT";

    public static string CreateStagingTable(DatasetDefinition dataset) =>
        $"CREATE OR REPLACE TEMP TABLE {StagingTable} AS SELECT * FROM main.{Quote(dataset.Name)} LIMIT 0";

    /// <summary>
    /// Shards written before the key-hash set kept exact dedup in a unique index on the key; it held
    /// ~60 bytes per random key in memory, so opening such a shard drops it (its upgrade).
    /// </summary>
    public const string DropLegacyKeyIndex = "DROP INDEX IF EXISTS _mallard_key";

    /// <summary>Every stored key and its rowid, read at open to fill the shard's stored-key index.</summary>
    public static string StoredKeys(DatasetDefinition dataset) =>
        $"SELECT {(HasRowIds(dataset) ? "rowid" : "CAST(-1 AS BIGINT)")}, {string.Join(", ", dataset.Key.Select(Quote))} FROM {Quote(dataset.Name)}";

    /// <summary>Whether <c>rowid</c> names DuckDB's row number in the dataset's table: a column of that name hides it.</summary>
    public static bool HasRowIds(DatasetDefinition dataset) => !dataset.TryGetColumn("rowid", out _);

    /// <summary>The event time and key of every row from <c>$since</c> on, read at open to fill a windowed dataset's key hashes.</summary>
    public static string WindowKeys(DatasetDefinition dataset)
    {
        var time = Quote(dataset.TimeColumn!);
        return $"SELECT {time}, {string.Join(", ", dataset.Key.Select(Quote))} FROM {Quote(dataset.Name)} WHERE {time} >= $since";
    }

    /// <summary>The key of the row with this rowid (DuckDB reads one row group for it, not the table).</summary>
    public static string KeyAtRow(DatasetDefinition dataset, long rowid) =>
        string.Create(CultureInfo.InvariantCulture, $"SELECT {string.Join(", ", dataset.Key.Select(Quote))} FROM {Quote(dataset.Name)} WHERE rowid = {rowid}");

    /// <summary>One key stored more than once, with how often, if any.</summary>
    public static string RepeatedKey(DatasetDefinition dataset)
    {
        var key = string.Join(", ", dataset.Key.Select(Quote));
        return $"SELECT {string.Join(" || '/' || ", dataset.Key.Select(k => $"CAST({Quote(k)} AS VARCHAR)"))}, count(*) FROM {Quote(dataset.Name)} GROUP BY {key} HAVING count(*) > 1 LIMIT 1";
    }

    /// <summary>
    /// Moves staged rows into the table, skipping keys already stored, and returns the keys it
    /// inserted. Without a window every stored key is compared; with one, only rows whose event
    /// time lies within the window of a staged row's (the bounds prune by zone map). Staged keys
    /// are distinct, so the table as it was before the insert is all there is to compare with.
    /// </summary>
    public static string InsertStaged(DatasetDefinition dataset)
    {
        var table = Quote(dataset.Name);
        var returning = string.Join(", ", dataset.Key.Select(Quote));
        var keysMatch = string.Join(" AND ", dataset.Key.Select(k => $"t.{Quote(k)} = s.{Quote(k)}"));
        if (dataset.DedupWindow is not { } window)
        {
            return $"INSERT INTO {table} SELECT s.* FROM {StagingTable} s WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {keysMatch}) RETURNING {returning}";
        }

        var time = Quote(dataset.TimeColumn!);
        var seconds = ((long)window.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return $"INSERT INTO {table} SELECT s.* FROM {StagingTable} s WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {keysMatch} "
            + $"AND t.{time} BETWEEN s.{time} - INTERVAL {seconds} SECOND AND s.{time} + INTERVAL {seconds} SECOND "
            + $"AND t.{time} BETWEEN $lower AND $upper) RETURNING {returning}";
    }

    public const string FenceTable = "_mallard_fence";

    /// <summary>One row: the newest fencing epoch an activation stamped into this shard.</summary>
    public static string CreateFenceTable =>
        $"CREATE TABLE IF NOT EXISTS {FenceTable} (epoch BIGINT NOT NULL, ordinal INTEGER NOT NULL, stamped_at TIMESTAMP NOT NULL)";

    public static string CreateShardTable =>
        $"CREATE TABLE IF NOT EXISTS {ShardTable} (dataset VARCHAR NOT NULL, partition INTEGER NOT NULL, contract_version INTEGER NOT NULL, "
        + "definition_hash VARCHAR NOT NULL, definition VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)";

    /// <summary>The ledger's columns as entries are read (<c>Shard.ReadLedgerEntry</c> reads them by position).</summary>
    public const string LedgerColumns = "batch_id, request_hash, accepted, duplicates, duplicate_indexes, committed_at";

    /// <summary>Most batch ids one ledger lookup binds.</summary>
    public const int MaxLedgerLookup = 500;

    /// <summary>The ledger entries of <paramref name="count"/> batch ids (<c>$b0</c>…) committed since <c>$since</c>.</summary>
    /// <summary>The ledger entries of the given batch ids, expired or not (the caller tells them apart).</summary>
    public static string FindLedgerEntries(int count) => $"SELECT {LedgerColumns} FROM {LedgerTable} WHERE batch_id IN ({BatchIdList(count)})";

    /// <summary>The name of the <paramref name="index"/>th batch id parameter of <see cref="FindLedgerEntries"/>.</summary>
    public static string BatchIdParameter(int index) => "b" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Deletes the entries of the given batch ids (expired keys, about to be reused).</summary>
    public static string ForgetLedgerEntries(int count) => $"DELETE FROM {LedgerTable} WHERE batch_id IN ({BatchIdList(count)})";

    private static string BatchIdList(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => "$" + BatchIdParameter(i)));

    /// <summary>Deletes ledger entries committed before <c>$cutoff</c>.</summary>
    public const string PruneLedger = $"DELETE FROM {LedgerTable} WHERE committed_at < $cutoff";

    public const string ClearStaging = $"DELETE FROM {StagingTable}";

    public const string ClearFence = $"DELETE FROM {FenceTable}";

    public const string InsertFence = $"INSERT INTO {FenceTable} VALUES ($epoch, $ordinal, $at)";

    public const string StampedEpoch = $"SELECT coalesce(max(epoch), 0) FROM {FenceTable}";

    public const string CountLedger = $"SELECT count(*) FROM {LedgerTable}";

    /// <summary>DuckDB memory of this database; sum() of BIGINT is HUGEINT, the cast keeps it an int64.</summary>
    public const string MemoryUsage = "SELECT CAST(coalesce(sum(memory_usage_bytes), 0) AS BIGINT) FROM duckdb_memory()";

    /// <summary>What holds a shard's memory, largest first: named in the error when a write runs out of it.</summary>
    public const string MemoryByTag = "SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0 ORDER BY memory_usage_bytes DESC LIMIT 4";

    /// <summary>Rows, ledger entries and the sum of every row's hash (as text: it is a HUGEINT).</summary>
    public static string Fingerprint(DatasetDefinition dataset) =>
        $"SELECT (SELECT count(*) FROM {Quote(dataset.Name)}), (SELECT count(*) FROM {LedgerTable}), "
        + $"(SELECT CAST(coalesce(sum(hash({string.Join(", ", dataset.Columns.Select(c => Quote(c.Name)))})), 0) AS VARCHAR) FROM {Quote(dataset.Name)})";

    public static string CountRows(DatasetDefinition dataset) => $"SELECT count(*) FROM {Quote(dataset.Name)}";

    public static string MaxTime(DatasetDefinition dataset, string timeColumn) => $"SELECT max({Quote(timeColumn)}) FROM {Quote(dataset.Name)}";

    public static string SetMemoryLimit(int megabytes) => string.Create(CultureInfo.InvariantCulture, $"SET memory_limit = '{megabytes}MiB'");

    /// <summary>
    /// Locks a shard's DuckDB down: spills stay in the shard's own temp folder under a size limit,
    /// no extension is installed or loaded behind Mallard's back, and no SQL can read or write a
    /// file outside the database (read_csv, COPY, ATTACH…). External access goes last: once off it
    /// cannot be turned on again, and the temp folder must be set before.
    /// </summary>
    public static IEnumerable<string> Lockdown(string tempDirectory, int tempLimitMb) =>
    [
        $"SET temp_directory = '{tempDirectory.Replace("'", "''", StringComparison.Ordinal)}'",
        string.Create(CultureInfo.InvariantCulture, $"SET max_temp_directory_size = '{tempLimitMb}MB'"),
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = false",
        "SET enable_external_access = false",
    ];

    public static string SetThreads(int threads) => string.Create(CultureInfo.InvariantCulture, $"SET threads = {threads}");
}
