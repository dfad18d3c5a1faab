using System.Collections.Concurrent;
using Mallard.Contract;
using Microsoft.Extensions.Options;

namespace Mallard.Grains.Shards;

/// <summary>
/// The silo's open shards. It maps each (dataset, partition) to one canonical file path and refuses
/// a second open of a path in this process: DuckDB's file lock is per process, so it would not.
/// </summary>
public sealed class ShardCatalog(IOptions<ShardOptions> options, ContractDefinition contract)
{
    private readonly ConcurrentDictionary<string, Shard?> _open = new(StringComparer.Ordinal);
    private readonly string _root = Path.GetFullPath(options.Value.DataDirectory);

    /// <summary>Number of shards open in this silo.</summary>
    public int OpenCount => _open.Count;

    /// <summary>DuckDB memory in use across this silo's open shards, in bytes (runs a query per shard).</summary>
    public long MemoryBytes() => _open.Values.Sum(shard => shard?.MemoryBytes() ?? 0);

    /// <summary>The memory_limit each open shard gets now, in MiB.</summary>
    public int MemoryShareMb
    {
        get
        {
            var open = Math.Max(1, _open.Count);
            return Math.Clamp(options.Value.MemoryBudgetMb / open, Math.Min(64, options.Value.MemoryLimitMb), options.Value.MemoryLimitMb);
        }
    }

    // Keeps the silo's total DuckDB memory within the budget as shards open and close.
    private void Rebalance()
    {
        var share = MemoryShareMb;
        foreach (var shard in _open.Values)
        {
            shard?.SetMemoryLimit(share);
        }
    }

    /// <summary>The canonical file of a partition's shard.</summary>
    public string PathOf(string dataset, int partition) =>
        Path.Combine(_root, "shards", dataset, $"{partition}.duckdb");

    /// <summary>Opens a partition's shard; blocks on DuckDB.</summary>
    public Shard Open(DatasetDefinition dataset, int partition)
    {
        var path = PathOf(dataset.Name, partition);
        Shard? shard = null;
        if (!_open.TryAdd(path, null))
        {
            throw new InvalidOperationException($"shard {path} is already open in this silo");
        }

        try
        {
            shard = Shard.Open(path, dataset, partition, contract, options.Value, s =>
            {
                _open.TryRemove(s.Path, out _);
                Rebalance();
            });
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
