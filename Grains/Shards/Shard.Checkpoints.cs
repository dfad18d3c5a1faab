using DuckDB.NET.Data;
using Mallard.Contract;

namespace Mallard.Grains.Shards;

/// <summary>
/// Checkpoints off the acknowledgement path. DuckDB checkpoints inside the commit that takes its
/// WAL past a threshold, so that group's callers, and every request with a slice in it, waited for
/// the whole checkpoint. The partition's writer now checkpoints between groups, once the callers
/// have their receipts (<see cref="ShardOptions.CheckpointWalMb"/>); DuckDB's own threshold stays
/// as a backstop at four times the size, for writes that do not pass through the writer.
/// </summary>
public sealed partial class Shard
{
    /// <summary>Whether the WAL has grown past <see cref="ShardOptions.CheckpointWalMb"/> and checkpoints are not suspended for a move.</summary>
    public bool CheckpointDue => !Volatile.Read(ref _checkpointsSuspended) && WalBytes() >= (long)_options.CheckpointWalMb << 20;

    /// <summary>
    /// Folds the WAL into the database file if it is still due, between two commits. DuckDB may
    /// refuse while it is busy: the refusal is returned, not thrown (the next group tries again,
    /// and DuckDB's backstop remains).
    /// </summary>
    /// <returns>Whether a checkpoint ran, and DuckDB's refusal if it did not.</returns>
    public (bool Ran, string? Refusal) CheckpointIfDue()
    {
        lock (_writeGate)
        {
            // Asked again under the write gate: a move may have pinned the file since the caller asked.
            if (_disposed || !CheckpointDue)
            {
                return (false, null);
            }

            try
            {
                DuckDbCommands.Execute(_writer, ShardSql.Checkpoint);
                return (true, null);
            }
            catch (DuckDBException e)
            {
                return (false, DisplayText.FirstLine(e.Message));
            }
        }
    }

    /// <summary>Whether the stored-key index holds enough newest keys to write them out as a run.</summary>
    public bool KeyRunDue => _storedKeys?.FlushDue == true;

    /// <summary>
    /// Writes the stored-key index's newest keys out as a sorted run if still due, between two
    /// commits (a run of a million keys takes a sort and 16 MiB of writes).
    /// </summary>
    /// <returns>Whether a run was written, and why not when the disk refused (the keys stay in memory; the next group tries again).</returns>
    public (bool Written, string? Failure) WriteKeyRunIfDue()
    {
        lock (_writeGate)
        {
            try
            {
                return (!_disposed && _storedKeys is { } keys && keys.FlushIfDue(), null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (false, DisplayText.FirstLine(e.Message));
            }
        }
    }

    // DuckDB's own automatic checkpoint, as a backstop behind the writer's.
    private static string AutomaticCheckpoints(ShardOptions options) => ShardSql.AutomaticCheckpoints(options.CheckpointWalMb * 4);

    private long WalBytes()
    {
        try
        {
            var wal = new FileInfo(Path + ".wal");
            return wal.Exists ? wal.Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
