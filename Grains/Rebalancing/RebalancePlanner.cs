namespace Mallard.Grains.Rebalancing;

/// <summary>
/// Plans moves: for each dataset, the fewest moves that leave every active, undrained ordinal
/// within one partition of even. Partitions on an ordinal that is down stay where they are (its
/// disk holds them; it is not drained automatically); partitions on a drained ordinal all move.
/// Pure, so its rules are tested without a cluster.
/// </summary>
public static class RebalancePlanner
{
    /// <summary>The moves, as (dataset, partition, from, to), in the order to run them.</summary>
    public static IReadOnlyList<(string Dataset, int Partition, int From, int To)> Plan(
        IReadOnlyDictionary<string, int[]> map,
        IReadOnlySet<int> active,
        IReadOnlySet<int> drained)
    {
        var targets = active.Where(o => !drained.Contains(o)).Order().ToList();
        var moves = new List<(string, int, int, int)>();
        if (targets.Count == 0)
        {
            return moves;
        }

        foreach (var (dataset, owners) in map.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            // Only partitions whose owner is up can move; they are the ones to spread.
            var movable = Enumerable.Range(0, owners.Length).Where(p => active.Contains(owners[p])).ToList();
            var held = targets.ToDictionary(o => o, o => movable.Where(p => owners[p] == o).ToList());
            var total = movable.Count;
            var floor = total / targets.Count;
            var extra = total % targets.Count;

            // The ordinals holding most keep the "+1" quotas: that needs the fewest moves.
            var quota = new Dictionary<int, int>();
            foreach (var (ordinal, index) in targets.OrderByDescending(o => held[o].Count).ThenBy(o => o).Select((o, i) => (o, i)))
            {
                quota[ordinal] = floor + (index < extra ? 1 : 0);
            }

            var leaving = new List<int>();
            leaving.AddRange(movable.Where(p => drained.Contains(owners[p]) || !targets.Contains(owners[p])));
            foreach (var ordinal in targets)
            {
                var surplus = held[ordinal].Count - quota[ordinal];
                if (surplus > 0)
                {
                    leaving.AddRange(held[ordinal].OrderDescending().Take(surplus));
                }
            }

            var queue = new Queue<int>(leaving.Order());
            foreach (var ordinal in targets)
            {
                for (var missing = quota[ordinal] - held[ordinal].Count; missing > 0 && queue.Count > 0; missing--)
                {
                    var partition = queue.Dequeue();
                    moves.Add((dataset, partition, owners[partition], ordinal));
                }
            }
        }

        return moves;
    }
}
