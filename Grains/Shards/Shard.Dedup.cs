using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// Which rows of a batch are new: key hashes and repeats within the batch (before the write lock),
/// the stored-key index's test, and the checked path that stages a batch and compares real keys.
/// </summary>
public sealed partial class Shard
{
    // Within the batch the first record with a key wins; this and the key hashes need no lock.
    private PreparedBatch Prepare(RecordBatch batch)
    {
        var keyColumns = _dataset.KeyOrdinals.Select(o => batch.Columns[o]).ToArray();
        var hashes = RecordKey.Hashes(keyColumns, batch.RowCount);
        var repeated = RecordKey.RepeatedWithinBatch(_dataset, keyColumns, hashes);
        var times = _windowKeys is null ? null : EventTimes(batch);
        if (repeated.Count == 0)
        {
            return new PreparedBatch(Enumerable.Range(0, batch.RowCount).ToList(), repeated, hashes, times);
        }

        var isRepeated = repeated.ToHashSet();
        var staged = Enumerable.Range(0, batch.RowCount).Where(row => !isRepeated.Contains(row)).ToList();
        return new PreparedBatch(staged, repeated, staged.Select(row => hashes[row]).ToArray(), times is null ? null : staged.Select(row => times[row]).ToArray());
    }

    // The event times of a batch of a dataset with a time column (every dataset with a dedup window has one).
    private long[] EventTimes(RecordBatch batch) => batch.Columns[_dataset.Columns.First(c => c.Name == _dataset.TimeColumn).Ordinal].Int64s!;

    /// <summary>
    /// A batch ready to write: its rows to store, the rows repeating an earlier key of the batch,
    /// the staged rows' key hashes and, for a dataset with a dedup window, their event times.
    /// </summary>
    private sealed record PreparedBatch(List<int> Staged, List<int> Duplicates, ulong[] KeyHashes, long[]? Times);

    // Whether a staged key may be stored already: its hash is in the shard's set (within the
    // window of its time, with a dedup window) or came with an earlier batch of the group, whose
    // time does not matter: the staging path decides. Keys known new skip the set's probes.
    private bool MayRepeatKey(PreparedBatch work, HashSet<ulong>? earlier, bool keysKnownNew)
    {
        for (var row = 0; row < work.KeyHashes.Length; row++)
        {
            var hash = work.KeyHashes[row];
            if (earlier?.Contains(hash) == true
                || (!keysKnownNew && _storedKeys?.Contains(hash) == true)
                || _windowKeys?.MayHold(hash, work.Times![row]) == true)
            {
                return true;
            }
        }

        return false;
    }

    // The careful path: stage the rows, insert those whose key is not stored, and name the rest.
    private PartitionReceipt WriteChecked(RecordBatch batch, List<int> staged, List<int> duplicateRows, DateTime committedAt)
    {
        DuckDbCommands.Execute(_writer, ShardSql.ClearStaging);
        using (var appender = OpenAppender(ShardSql.StagingTable))
        {
            appender.Append(batch, staged);
            appender.Flush();
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

    private (int Count, ColumnVector[] Keys) InsertStaged(RecordBatch batch, List<int> staged)
    {
        using var command = _writer.CreateCommand();
        command.CommandText = ShardSql.InsertStaged(_dataset);
        if (_dataset.DedupWindow is { } window)
        {
            var times = EventTimes(batch);
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
                    DuckDbValues.Read(reader, k, builders[k]);
                }
            }
        }

        var keys = builders.Select(b => b.Build()).ToArray();
        return (keys.Length == 0 ? 0 : keys[0].Count, keys);
    }
}
