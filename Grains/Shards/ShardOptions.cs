using Microsoft.Extensions.Configuration;

namespace Mallard.Grains.Shards;

/// <summary>Where shards live and how much of the machine each may use. Section <c>Mallard:Shards</c>.</summary>
public sealed class ShardOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Mallard:Shards";

    /// <summary>Root folder; shard files live under <c>{DataDirectory}/shards/{dataset}/{partition}.duckdb</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>DuckDB <c>memory_limit</c> per open shard, in MiB (DuckDB's own default is 80% of RAM per shard).</summary>
    public int MemoryLimitMb { get; set; } = 256;

    /// <summary>
    /// DuckDB memory and key hashes (dedup) for all of this silo's open shards together,
    /// in MiB: a bound, not a target. Each open shard's DuckDB gets an equal share of what the
    /// key hashes leave, at most <see cref="MemoryLimitMb"/>; the key hashes squeeze DuckDB down to
    /// 64 MiB a shard and no further (over budget, logged), shards alone have no floor. Shares are
    /// recomputed whenever a shard opens or closes or its key hashes grow (a shard busy committing takes
    /// its new share before its next write). A share below 64 MiB is logged as a warning.
    /// </summary>
    public int MemoryBudgetMb { get; set; } = 4096;

    /// <summary>
    /// Memory, in MiB, of one shard's index of stored key hashes (exact dedup over its whole
    /// history), inside <see cref="MemoryBudgetMb"/>: a third holds the newest keys exactly, the
    /// rest is a Bloom filter over the older keys, which are in sorted runs on disk. At most an
    /// equal part of a quarter of the budget among the contract's partitions with exact dedup.
    /// Past about 16 bits of filter per key (33M keys a shard at 96), the index does not grow:
    /// lookups read the disk more often.
    /// </summary>
    public int KeyIndexMb { get; set; } = 96;

    /// <summary>
    /// The DuckDB storage format a new shard file is created with (DuckDB's
    /// <c>storage_compatibility_version</c>; existing files keep theirs). DuckDB's default writes
    /// the v0.10.2 format, whose key index is converted to a deprecated layout at every checkpoint:
    /// measured here, appends into a uniquely indexed table fell from 579k to 336k rows/s over 2M
    /// rows with it and from 589k to 467k with <c>latest</c>. Files in the newer format need
    /// DuckDB 1.5 or later to read.
    /// </summary>
    public string StorageVersion { get; set; } = "latest";

    /// <summary>DuckDB <c>threads</c> per open shard (DuckDB's own default is every core per shard).</summary>
    public int Threads { get; set; } = 1;

    /// <summary>Most disk a shard's DuckDB may spill to (its temp folder, next to the shard file), in MiB.</summary>
    public int TempDirectoryLimitMb { get; set; } = 4096;

    /// <summary>How long a batch stays in a shard's ledger, i.e. how long an Idempotency-Key is honoured.</summary>
    public TimeSpan LedgerRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Most rows waiting for a partition's writer. A batch that would pass it is refused at once
    /// (<c>partition_overloaded</c>, HTTP 503 with Retry-After) instead of queueing without bound.
    /// </summary>
    public int MaxQueuedRows { get; set; } = 50_000;

    /// <summary>Most rows one group commit writes in a transaction.</summary>
    public int MaxRowsPerCommit { get; set; } = 100_000;

    /// <summary>
    /// Longest a partition's writer waits for more appends before a group commit while appends
    /// arrive concurrently (never for a lone sequential client); it waits as long as its recent
    /// commits took when that is shorter; 0 turns it off. Fewer, larger commits cost far less CPU
    /// per row; see BENCHMARKS.md ("Commit linger").
    /// </summary>
    public int CommitLingerMs { get; set; } = 40;

    /// <summary>
    /// Write-ahead log size, in MiB, past which a partition's writer checkpoints its shard (folds
    /// the WAL into the database file) after a group's callers have their receipts, so no caller
    /// waits for a checkpoint. DuckDB's own automatic checkpoint, which runs inside the commit
    /// that crosses its threshold, stays as a backstop at four times this size.
    /// </summary>
    public int CheckpointWalMb { get; set; } = 16;

    /// <summary>Most groups one partition may return for an aggregate query.</summary>
    public int MaxGroupsPerPartition { get; set; } = 100_000;

    /// <summary>
    /// Most queries running at once on one shard; more wait for a slot within their query timeout.
    /// Queries share the shard's DuckDB memory with its writer.
    /// </summary>
    public int MaxConcurrentQueries { get; set; } = 2;

    /// <summary>Binds and checks the section.</summary>
    /// <exception cref="InvalidOperationException">A setting is malformed; the message names it.</exception>
    public static ShardOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ShardOptions>() ?? new ShardOptions();
        options.Validate();
        return options;
    }

    /// <summary>Checks every setting; the exception names the first bad one.</summary>
    /// <exception cref="InvalidOperationException">A setting is malformed.</exception>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(DataDirectory), nameof(DataDirectory), DataDirectory, "a folder");
        Require(MemoryLimitMb >= 16, nameof(MemoryLimitMb), MemoryLimitMb, "at least 16");
        Require(MemoryBudgetMb >= 16, nameof(MemoryBudgetMb), MemoryBudgetMb, "at least 16");
        Require(KeyIndexMb is >= 1 and <= 65_536, nameof(KeyIndexMb), KeyIndexMb, "1 to 65536 (MiB)");
        // The storage version goes into the connection string: a separator would smuggle in other settings.
        Require(StorageVersion.Length > 0 && StorageVersion.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_'), nameof(StorageVersion), StorageVersion, "a DuckDB storage version (e.g. latest, v1.5.0)");
        Require(Threads >= 1, nameof(Threads), Threads, "at least 1");
        Require(TempDirectoryLimitMb >= 1, nameof(TempDirectoryLimitMb), TempDirectoryLimitMb, "at least 1");
        Require(LedgerRetention > TimeSpan.Zero, nameof(LedgerRetention), LedgerRetention, "a positive time span");
        Require(MaxQueuedRows >= 1, nameof(MaxQueuedRows), MaxQueuedRows, "at least 1");
        Require(MaxRowsPerCommit >= 1, nameof(MaxRowsPerCommit), MaxRowsPerCommit, "at least 1");
        Require(CommitLingerMs is >= 0 and <= 1_000, nameof(CommitLingerMs), CommitLingerMs, "0 to 1000 (milliseconds)");
        Require(CheckpointWalMb is >= 1 and <= 65_536, nameof(CheckpointWalMb), CheckpointWalMb, "1 to 65536 (MiB)");
        Require(MaxConcurrentQueries >= 1, nameof(MaxConcurrentQueries), MaxConcurrentQueries, "at least 1");
        Require(MaxGroupsPerPartition >= 1, nameof(MaxGroupsPerPartition), MaxGroupsPerPartition, "at least 1");
    }

    private static void Require(bool valid, string name, object value, string expected)
    {
        if (!valid)
        {
            throw new InvalidOperationException($"{Section}:{name} is '{value}'; expected {expected}");
        }
    }
}
