namespace Mallard.Grains.Ownership;

/// <summary>The ownership store of an embedded silo (and of in-process test clusters): one process, one lock.</summary>
public sealed class MemoryOwnershipStore : IOwnershipStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Dataset, int Partition), PartitionOwnership> _partitions = [];
    private readonly HashSet<int> _drained = [];

    public Task<int[]> ReadDatasetAsync(string dataset, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(OwnersOf(dataset));
        }
    }

    public Task<int[]> AssignAsync(string dataset, int[] owners, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            for (var p = 0; p < owners.Length; p++)
            {
                _partitions.TryAdd((dataset, p), new PartitionOwnership(owners[p], 0));
            }

            return Task.FromResult(OwnersOf(dataset));
        }
    }

    public Task<PartitionOwnership?> ReadAsync(string dataset, int partition, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_partitions.GetValueOrDefault((dataset, partition)));
        }
    }

    public Task<long?> TakeEpochAsync(string dataset, int partition, int ordinal, long floor, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_partitions.TryGetValue((dataset, partition), out var current) || current.Owner != ordinal)
            {
                return Task.FromResult<long?>(null);
            }

            var epoch = Math.Max(current.Epoch, floor) + 1;
            _partitions[(dataset, partition)] = current with { Epoch = epoch };
            return Task.FromResult<long?>(epoch);
        }
    }

    public Task<bool> SwitchAsync(string dataset, int partition, int from, long epoch, int to, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_partitions.TryGetValue((dataset, partition), out var current) || current.Owner != from || current.Epoch != epoch)
            {
                return Task.FromResult(false);
            }

            _partitions[(dataset, partition)] = new PartitionOwnership(to, epoch + 1);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyDictionary<string, int[]>> ReadMapAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyDictionary<string, int[]> map = _partitions.Keys.Select(k => k.Dataset).Distinct().ToDictionary(d => d, OwnersOf, StringComparer.Ordinal);
            return Task.FromResult(map);
        }
    }

    public Task<IReadOnlySet<int>> ReadDrainedAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlySet<int>>(_drained.ToHashSet());
        }
    }

    public Task SetDrainedAsync(int ordinal, bool drained, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _ = drained ? _drained.Add(ordinal) : _drained.Remove(ordinal);
            return Task.CompletedTask;
        }
    }

    private int[] OwnersOf(string dataset)
    {
        var owners = new List<int>();
        while (_partitions.TryGetValue((dataset, owners.Count), out var owner))
        {
            owners.Add(owner.Owner);
        }

        return [.. owners];
    }
}
