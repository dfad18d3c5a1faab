using System.Collections.Concurrent;
using System.Diagnostics;
using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mallard.Grains.Shards;

/// <summary>
/// The silo's open shards. It maps each (dataset, partition) to one canonical file path and refuses
/// a second open of a path in this process: DuckDB's file lock is per process, so it would not.
/// </summary>
public sealed class ShardCatalog(IOptions<ShardOptions> options, ContractDefinition contract, ILogger<ShardCatalog>? logger = null)
{
    // Below this a shard's commits of ordinary batches start to run out of memory.
    private const int WorkableShareMb = 64;
    private readonly ILogger _logger = logger ?? NullLogger<ShardCatalog>.Instance;
    private int _warnedShareMb = int.MaxValue;
    private int _warnedKeyHashMb;
    private int _lastShareMb;
    private readonly ConcurrentDictionary<string, Shard?> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _openedAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Since, string Step)> _closing = new(StringComparer.Ordinal);
    private readonly string _root = Path.GetFullPath(options.Value.DataDirectory);
    private readonly int _exactDedupPartitions = contract.Datasets.Values.Where(d => d.DedupWindow is null).Sum(d => d.Partitions);

    /// <summary>Number of shards open in this silo.</summary>
    public int OpenCount => _open.Count;

    /// <summary>DuckDB memory in use across this silo's open shards, in bytes (runs a query per shard).</summary>
    public long MemoryBytes() => _open.Values.Sum(shard => shard?.MemoryBytes() ?? 0);

    /// <summary>The open shards' DuckDB memory limits together, in bytes: what <see cref="MemoryBytes"/> may reach.</summary>
    public long MemoryLimitBytes() => _open.Values.Sum(shard => (long)(shard?.MemoryLimitMb ?? 0) << 20);

    /// <summary>Memory of the open shards' key hashes (stored-key indexes, dedup windows' sets), in bytes; outside DuckDB, inside the budget.</summary>
    public long KeyHashBytes() => _open.Values.Sum(shard => shard?.KeyHashBytes ?? 0);

    /// <summary>Bytes of the open shards' key runs on disk.</summary>
    public long KeyIndexDiskBytes() => _open.Values.Sum(shard => shard?.KeyIndexDiskBytes ?? 0);

    /// <summary>Pages of key runs the open shards have read since they opened.</summary>
    public long KeyIndexPageReads() => _open.Values.Sum(shard => shard?.KeyIndexPageReads ?? 0);

    /// <summary>
    /// The memory_limit each open shard gets now, in MiB: an equal share of what the open shards'
    /// key hashes leave of the silo's budget, at most <see cref="ShardOptions.MemoryLimitMb"/>.
    /// Key hashes squeeze DuckDB down to the 64 MiB a commit needs and no further (past that the
    /// silo is over its budget, and says so); shards alone have no floor: the budget bounds the
    /// silo's DuckDB memory however many shards it opens (a share too small to write in is logged).
    /// </summary>
    public int MemoryShareMb => ShareOf(KeyHashMb());

    /// <summary>
    /// The memory each shard gets for its index of stored key hashes, in MiB: at most
    /// <see cref="ShardOptions.KeyIndexMb"/> and an equal part of a quarter of the budget among
    /// all the contract's partitions with exact dedup, as if this silo held every one of them, so
    /// the indexes stay within that quarter whatever the silo opens, in whatever order.
    /// </summary>
    public int KeyIndexShareMb => Math.Clamp(options.Value.MemoryBudgetMb / 4 / Math.Max(1, _exactDedupPartitions), 1, options.Value.KeyIndexMb);

    private int KeyHashMb() => (int)Math.Min(int.MaxValue, KeyHashBytes() >> 20);

    private int ShareOf(int keyHashMb)
    {
        var open = Math.Max(1, _open.Count);
        var budget = options.Value.MemoryBudgetMb;
        var floor = Math.Min(WorkableShareMb, budget / open);
        return Math.Clamp(Math.Max((budget - keyHashMb) / open, floor), 1, options.Value.MemoryLimitMb);
    }

    // Keeps the silo's DuckDB memory and key hashes together within the budget as shards open and
    // close and as key hashes grow. A shard busy committing takes its new limit before its next
    // write: nothing here waits on a commit.
    private void Rebalance(bool force = true)
    {
        var keyHashMb = KeyHashMb();
        var share = ShareOf(keyHashMb);
        if (Interlocked.Exchange(ref _lastShareMb, share) == share && !force)
        {
            return;
        }

        foreach (var shard in _open.Values)
        {
            shard?.SetMemoryLimit(share);
        }

        var budget = options.Value.MemoryBudgetMb;
        if (keyHashMb + ((long)share * _open.Count) > budget && keyHashMb >= Volatile.Read(ref _warnedKeyHashMb) + 64)
        {
            Interlocked.Exchange(ref _warnedKeyHashMb, keyHashMb);
            _logger.LogWarning(
                "The key hashes of {OpenShards} open shards take {KeyHashMb} MiB of Mallard:Shards:MemoryBudgetMb = {BudgetMb} MiB, leaving DuckDB {ShareMb} MiB per shard: the silo is over its budget. Raise the budget, run more silos, or declare a dedup_window",
                _open.Count, keyHashMb, budget, share);
        }

        if (share < WorkableShareMb && share < Interlocked.Exchange(ref _warnedShareMb, share))
        {
            _logger.LogWarning(
                "{OpenShards} open shards share Mallard:Shards:MemoryBudgetMb = {BudgetMb} MiB: {ShareMb} MiB each, below the {WorkableMb} MiB a shard needs to commit ordinary batches; writes may fail with shard_memory_exhausted. Raise the budget or run more silos",
                _open.Count, options.Value.MemoryBudgetMb, share, WorkableShareMb);
        }
    }

    /// <summary>The canonical file of a partition's shard.</summary>
    public string PathOf(string dataset, int partition) =>
        Path.Combine(_root, "shards", dataset, $"{partition}.duckdb");

    /// <summary>Where a partition being received is written until its switch.</summary>
    public string IncomingPathOf(string dataset, int partition) =>
        Path.Combine(_root, "incoming", dataset, $"{partition}.duckdb");

    /// <summary>The folder retired shards are kept in (see <see cref="Retire"/>).</summary>
    public string RetiredDirectory => Path.Combine(_root, "retired");

    /// <summary>
    /// Moves a partition's shard file (and its WAL) under <c>retired/</c> with the time in its name,
    /// where it is kept for the retention period and then deleted. Returns the new path, or null
    /// when there was no file. The shard must be closed.
    /// </summary>
    public string? Retire(string dataset, int partition)
    {
        var path = PathOf(dataset, partition);
        if (_open.ContainsKey(path))
        {
            throw new InvalidOperationException($"shard {path} is open; close it before retiring it");
        }

        if (!File.Exists(path))
        {
            return null;
        }

        var folder = Path.Combine(RetiredDirectory, dataset);
        Directory.CreateDirectory(folder);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        var target = Path.Combine(folder, $"{partition}.{stamp}.duckdb");
        if (File.Exists(path + ".wal"))
        {
            File.Move(path + ".wal", target + ".wal");
        }

        File.Move(path, target);
        if (Directory.Exists(Shard.KeyIndexPath(path)))
        {
            Directory.Delete(Shard.KeyIndexPath(path), recursive: true); // derived; left by a crash
        }

        File.SetLastWriteTimeUtc(target, DateTime.UtcNow); // retention counts from retirement
        return target;
    }

    /// <summary>Deletes retired shard files older than <paramref name="retention"/>; returns how many.</summary>
    public int DeleteRetired(TimeSpan retention)
    {
        if (!Directory.Exists(RetiredDirectory))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(RetiredDirectory, "*", SearchOption.AllDirectories))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > retention)
            {
                File.Delete(file);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>
    /// Notes the step a deactivating holder of <paramref name="shard"/> is at, for the refusal a
    /// new activation meets meanwhile (a slow close and a stuck one then say where they are).
    /// </summary>
    public void NoteClosing(Shard shard, string step) =>
        _closing.AddOrUpdate(shard.Path, _ => (Stopwatch.GetTimestamp(), step), (_, noted) => (noted.Since, step));

    /// <summary>Opens a partition's shard; blocks on DuckDB.</summary>
    public Shard Open(DatasetDefinition dataset, int partition) => Open(dataset, partition, PathOf(dataset.Name, partition));

    /// <summary>Opens the copy of a partition being received (at <see cref="IncomingPathOf"/>); blocks on DuckDB.</summary>
    public Shard OpenIncoming(DatasetDefinition dataset, int partition) => Open(dataset, partition, IncomingPathOf(dataset.Name, partition));

    private Shard Open(DatasetDefinition dataset, int partition, string path)
    {
        Shard? shard = null;
        if (!_open.TryAdd(path, null))
        {
            // An earlier activation of the partition is still opening or closing it: transient.
            // How long it has been open tells a slow close from a leak.
            var since = _openedAt.TryGetValue(path, out var at) ? $"{Stopwatch.GetElapsedTime(at).TotalSeconds:F0} s ago" : "just now";
            var state = _open.TryGetValue(path, out var holder) && holder is null
                ? "still opening"
                : _closing.TryGetValue(path, out var closing)
                    ? $"open; its activation has been deactivating for {Stopwatch.GetElapsedTime(closing.Since).TotalSeconds:F0} s, now {closing.Step}"
                    : "open; its activation has not begun deactivating";
            throw new PartitionException(ErrorCodes.PartitionUnavailable, $"shard {dataset.Name}/{partition} is still open in this silo ({state}; opened {since}); retry");
        }

        _openedAt[path] = Stopwatch.GetTimestamp();

        try
        {
            // The new shard is counted already (its placeholder): it opens with its share.
            shard = Shard.Open(path, dataset, partition, contract, options.Value, MemoryShareMb, KeyIndexShareMb, s =>
            {
                _closing.TryRemove(s.Path, out _);
                _open.TryRemove(s.Path, out _);
                Rebalance();
            });
            shard.KeyHashesGrew = () => Rebalance(force: false);
            _open[path] = shard;
            Rebalance();
            return shard;
        }
        finally
        {
            if (shard is null)
            {
                _open.TryRemove(path, out _);
            }
        }
    }
}
