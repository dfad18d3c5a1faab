namespace Mallard.Grains.Shards;

/// <summary>
/// Every key hash a shard stores, for exact dedup's first test, in memory of a fixed size however
/// many keys the shard holds: the newest keys exactly in memory (<see cref="RecentKeys"/>), the
/// rest in sorted runs on disk (<see cref="KeyRun"/>) behind a Bloom filter of a fixed size
/// (<see cref="KeyFilter"/>). A key the filter turns away costs nothing more; one it lets through
/// costs a page read per run, so as the shard grows past what the filter was sized for, lookups
/// slow down instead of the silo growing. The runs are derived from the rows when the shard opens
/// (nothing to keep in step with DuckDB across a crash) and deleted when it closes.
/// A hit is a candidate, as with any hash: the caller confirms against the stored rows.
/// One writer (the shard, under its write gate) and any number of concurrent readers: a key being
/// written out is findable in memory until its run and filter bits are published.
/// </summary>
internal sealed class StoredKeyIndex : IDisposable
{
    /// <summary>Fewest newest keys held in memory before they are written out as a run.</summary>
    public const int MinFlushAt = 4096;

    private readonly string _directory;
    private readonly long _filterBytes;
    private readonly RecentKeys _recent;
    private KeyFilter? _filter;
    private KeyRun[] _runs = [];
    private long _diskLookups;
    private long _filterPasses;
    private bool _disposed;

    /// <param name="directory">A folder of the index's own; whatever it holds is deleted.</param>
    /// <param name="memoryBytes">Memory the index may take: a third for the newest keys, the rest for the filter.</param>
    public StoredKeyIndex(string directory, long memoryBytes)
    {
        _directory = directory;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        else if (File.Exists(directory))
        {
            File.Delete(directory);
        }

        Directory.CreateDirectory(directory);
        var slots = System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, memoryBytes / 3 / RecentKeys.EntryBytes) + 1) / 2;
        _recent = new RecentKeys((int)Math.Clamp(slots / 2, MinFlushAt, 1 << 28));
        _filterBytes = Math.Max(64, memoryBytes - _recent.MaxBytes);
    }

    /// <summary>Keys in the index (for the writer: a run being written counts twice for a concurrent reader).</summary>
    public long Count => _recent.Count + Volatile.Read(ref _runs).Sum(run => run.Count);

    /// <summary>Memory the index takes: the newest keys' table, the filter, the runs' page indexes.</summary>
    public long Bytes => _recent.Bytes + (Volatile.Read(ref _filter)?.Bytes ?? 0) + Volatile.Read(ref _runs).Sum(run => run.Bytes);

    /// <summary>Bytes of the runs on disk.</summary>
    public long DiskBytes => Volatile.Read(ref _runs).Sum(run => run.FileBytes);

    /// <summary>Runs on disk.</summary>
    public int RunCount => Volatile.Read(ref _runs).Length;

    /// <summary>Newest keys held in memory before a run is written.</summary>
    public int FlushAt => _recent.FlushAt;

    /// <summary>Lookups the filter let through to the runs, and the run pages they read.</summary>
    public (long Passed, long PagesRead) DiskLookups => (Interlocked.Read(ref _filterPasses), Interlocked.Read(ref _diskLookups));

    /// <summary>Whether enough newest keys are held to write them out (between commits).</summary>
    public bool FlushDue => _recent.FlushDue;

    public bool Contains(ulong hash) => TryFind(hash, out _);

    /// <summary>Whether a key with this hash may be stored and, if so, its row's rowid (negative when not known).</summary>
    public bool TryFind(ulong hash, out long rowid)
    {
        if (_recent.TryFind(hash, out rowid))
        {
            return true;
        }

        // Read after the newest keys: a key written out since was published here before it left them.
        var runs = Volatile.Read(ref _runs);
        rowid = -1;
        if (runs.Length == 0 || !Volatile.Read(ref _filter)!.MayContain(hash))
        {
            return false;
        }

        Interlocked.Increment(ref _filterPasses);
        for (var r = runs.Length - 1; r >= 0; r--)
        {
            Interlocked.Increment(ref _diskLookups);
            try
            {
                if (runs[r].TryFind(hash, out rowid))
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // Unreadable: a candidate, which the stored rows then decide (slower, never wrong).
                rowid = -1;
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds a hash and its row's rowid (negative when not known); false when the hash was there already.</summary>
    public bool Add(ulong hash, long rowid = -1) => !Contains(hash) && AddNew(hash, rowid);

    /// <summary>
    /// Adds a hash the caller has just found absent (under the same write gate): only the newest
    /// keys are asked, not the runs. False when it was among them.
    /// </summary>
    public bool AddNew(ulong hash, long rowid)
    {
        if (_recent.Full)
        {
            // Between commits is where runs are written; this is for writers that do not pause
            // there (a shard opening). A disk that refuses keeps the keys in memory meanwhile.
            try
            {
                Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LastFlushFailure = e.Message;
            }
        }

        return _recent.Add(hash, rowid);
    }

    /// <summary>Why the newest keys could not be written out last time it was tried inline (null: no failure).</summary>
    public string? LastFlushFailure { get; private set; }

    /// <summary>
    /// Writes the newest keys out as a sorted run if enough are held. When the disk refuses, they
    /// stay in memory (findable) and the next call tries again.
    /// </summary>
    /// <exception cref="IOException">The run could not be written.</exception>
    /// <returns>Whether a run was written.</returns>
    public bool FlushIfDue()
    {
        if (!_recent.FlushDue)
        {
            return false;
        }

        Flush();
        LastFlushFailure = null;
        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var run in _runs)
        {
            run.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Deleted at the next open of the shard.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    // The run and its filter bits are published before the newest keys are forgotten, so a
    // concurrent reader finds every key in one place or the other.
    private void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // Bits set early only let more keys through to the runs, which do not hold them yet.
        var filter = _filter ?? new KeyFilter(_filterBytes);
        Volatile.Write(ref _filter, filter);
        var run = new KeyRun.Writer(System.IO.Path.Combine(_directory, $"run-{_runs.Length:D6}.keys"), _recent.Count);
        try
        {
            _recent.ForEachSortedChunk((hashes, rows) =>
            {
                run.Append(hashes, rows);
                foreach (var hash in hashes)
                {
                    filter.Add(hash);
                }
            });
        }
        catch
        {
            run.Abandon();
            throw;
        }

        Volatile.Write(ref _runs, [.. _runs, run.Finish()]);
        _recent.Clear();
    }
}
