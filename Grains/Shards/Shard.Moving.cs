using System.Globalization;
using System.IO.Hashing;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;
using Orleans.Serialization.Buffers;

namespace Mallard.Grains.Shards;

/// <summary>
/// What a move needs from a shard: its log position, a pinned file image to copy while writes go
/// on, a content checksum, and a seal that stops every later commit.
/// </summary>
public sealed partial class Shard
{
    private bool _checkpointsSuspended;
    private bool _moving;

    /// <summary>The commit sequence of the newest group in this shard (0 for a shard without commits).</summary>
    public long CommitSeq
    {
        get
        {
            lock (_writeGate)
            {
                return _commitSeq;
            }
        }
    }

    /// <summary>While true the ledger is not pruned, so a shard being copied and its copy keep the same entries.</summary>
    public bool Moving
    {
        get => _moving;
        set
        {
            lock (_writeGate)
            {
                _moving = value;
            }
        }
    }

    /// <summary>
    /// Checkpoints the shard and suspends automatic checkpoints, so the file's first
    /// <see cref="PinnedImage.Bytes"/> bytes stay a consistent image of the shard at
    /// <see cref="PinnedImage.Seq"/> while later commits go to the WAL. Commits wait only for the
    /// checkpoint. <see cref="ReleaseImage"/> ends the pin.
    /// </summary>
    /// <exception cref="PartitionException"><c>shard_write_failed</c> when the checkpoint keeps failing; nothing stays pinned.</exception>
    public PinnedImage PinImage()
    {
        // A checkpoint can be refused while DuckDB is busy; it is retried a few times, with the
        // write lock released in between so writes go on.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return TryPinImage();
            }
            catch (DuckDBException) when (attempt < 5)
            {
                Thread.Sleep(200 * attempt);
            }
            catch (DuckDBException e)
            {
                throw new PartitionException(ErrorCodes.ShardWriteFailed, $"shard {_dataset.Name}/{Partition} could not pin an image to copy: {DisplayText.FirstLine(e.Message)}");
            }
        }
    }

    private PinnedImage TryPinImage()
    {
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DuckDbCommands.Execute(_writer, ShardSql.SuspendCheckpoints);
            _checkpointsSuspended = true;
            _moving = true;
            DuckDBConnection? snapshot = null;
            try
            {
                DuckDbCommands.Execute(_writer, ShardSql.Checkpoint);
                var rows = Convert.ToInt64(DuckDbCommands.Scalar(_writer, ShardSql.CountRows(_dataset)), CultureInfo.InvariantCulture);
                var ledger = Convert.ToInt64(DuckDbCommands.Scalar(_writer, ShardSql.CountLedger), CultureInfo.InvariantCulture);

                // A read transaction started now sees exactly the image, however much commits
                // later: the image's checksum is computed on it while writes go on.
                snapshot = new DuckDBConnection(_connectionString);
                snapshot.Open();
                DuckDbCommands.Execute(snapshot, "BEGIN TRANSACTION");
                DuckDbCommands.Scalar(snapshot, ShardSql.ReadPosition);
                return new PinnedImage(_commitSeq, new FileInfo(Path).Length, rows, ledger) { Snapshot = snapshot, Dataset = _dataset };
            }
            catch
            {
                snapshot?.Dispose();
                DuckDbCommands.Execute(_writer, AutomaticCheckpoints(_options));
                _checkpointsSuspended = false;
                _moving = false;
                throw;
            }
        }
    }

    /// <summary>Resumes automatic checkpoints after a copy of the pinned image ended.</summary>
    public void ReleaseImage()
    {
        lock (_writeGate)
        {
            if (!_disposed && _checkpointsSuspended)
            {
                DuckDbCommands.Execute(_writer, AutomaticCheckpoints(_options));
            }

            _checkpointsSuspended = false;
        }
    }

    /// <summary>Reads up to <paramref name="length"/> bytes of the pinned image at <paramref name="offset"/>, with their XxHash64.</summary>
    public (PooledBuffer Bytes, ulong Hash) ReadImage(long offset, int length, long imageBytes)
    {
        if (!_checkpointsSuspended)
        {
            throw new InvalidOperationException($"shard {_dataset.Name}/{Partition} has no pinned image");
        }

        var remaining = (int)Math.Clamp(imageBytes - offset, 0, length);
        var bytes = new PooledBuffer();
        var hash = new XxHash64();
        using var file = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        while (remaining > 0)
        {
            var span = bytes.GetSpan(Math.Min(remaining, 1 << 20));
            span = span[..Math.Min(span.Length, remaining)];
            var read = RandomAccess.Read(file, span, offset);
            if (read == 0)
            {
                bytes.Dispose();
                throw new EndOfStreamException($"shard {_dataset.Name}/{Partition}: the pinned image ends before byte {offset}");
            }

            hash.Append(span[..read]);
            bytes.Advance(read);
            offset += read;
            remaining -= read;
        }

        return (bytes, hash.GetCurrentHashAsUInt64());
    }

    /// <summary>
    /// Stops every later commit with <paramref name="reason"/>. Waits at most <paramref name="wait"/>
    /// for a commit in progress; returns null when it could not seal in that time.
    /// </summary>
    public SealedState? Seal(PartitionException reason, TimeSpan wait)
    {
        if (!_writeGate.TryEnter(wait))
        {
            return null;
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _sealed = reason;
            var rows = Convert.ToInt64(DuckDbCommands.Scalar(_writer, ShardSql.CountRows(_dataset)), CultureInfo.InvariantCulture);
            var ledger = Convert.ToInt64(DuckDbCommands.Scalar(_writer, ShardSql.CountLedger), CultureInfo.InvariantCulture);
            return new SealedState(_commitSeq, rows, ledger);
        }
        finally
        {
            _writeGate.Exit();
        }
    }

    /// <summary>Lets commits through again (a move that did not switch).</summary>
    public void Unseal()
    {
        lock (_writeGate)
        {
            _sealed = null;
        }
    }

    /// <summary>Row and ledger counts and a content checksum (an order-independent sum of row hashes) of the committed state.</summary>
    public (long Rows, long Ledger, string Checksum) Fingerprint()
    {
        using var reader = OpenReader();
        return Fingerprint(reader.Connection, _dataset);
    }

    internal static (long Rows, long Ledger, string Checksum) Fingerprint(DuckDBConnection connection, Mallard.Contract.DatasetDefinition dataset)
    {
        using var command = connection.CreateCommand();
        command.CommandText = ShardSql.Fingerprint(dataset);
        using var result = command.ExecuteReader();
        result.Read();
        return (result.GetInt64(0), result.GetInt64(1), result.GetString(2));
    }

    /// <summary>Row and ledger counts only (no content scan): what the switch checks while writes are refused.</summary>
    public (long Rows, long Ledger) Counts()
    {
        using var reader = OpenReader();
        return (Convert.ToInt64(DuckDbCommands.Scalar(reader.Connection, ShardSql.CountRows(_dataset)), CultureInfo.InvariantCulture),
            Convert.ToInt64(DuckDbCommands.Scalar(reader.Connection, ShardSql.CountLedger), CultureInfo.InvariantCulture));
    }

    /// <summary>Folds the WAL into the database file.</summary>
    public void Checkpoint()
    {
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DuckDbCommands.Execute(_writer, ShardSql.Checkpoint);
        }
    }
}
