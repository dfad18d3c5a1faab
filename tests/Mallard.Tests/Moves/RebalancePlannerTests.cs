using Mallard.Grains.Rebalancing;

namespace Mallard.Tests.Moves;

public sealed class RebalancePlannerTests
{
    [Fact]
    public void Plan_balancedCluster_movesNothing()
    {
        var map = new Dictionary<string, int[]> { ["a"] = [0, 1, 2, 0, 1, 2, 0, 1] };

        Assert.Empty(RebalancePlanner.Plan(map, new HashSet<int> { 0, 1, 2 }, new HashSet<int>()));
    }

    [Fact]
    public void Plan_newOrdinal_getsItsShareWithTheFewestMoves_andEveryOrdinalEndsWithinOneOfEven()
    {
        var map = new Dictionary<string, int[]> { ["a"] = [0, 1, 0, 1, 0, 1, 0, 1], ["b"] = [0, 0, 0, 0] };

        var moves = RebalancePlanner.Plan(map, new HashSet<int> { 0, 1, 2 }, new HashSet<int>());

        Assert.Equal(2, moves.Count(m => m.Dataset == "a"));
        Assert.Equal(2, moves.Count(m => m.Dataset == "b"));
        Assert.All(moves, m => Assert.Equal(map[m.Dataset][m.Partition], m.From));
        var after = Apply(map, moves);
        Assert.All(after, d => AssertWithinOne(d.Value, [0, 1, 2]));
    }

    [Fact]
    public void Plan_drainedOrdinal_givesAwayEveryPartition()
    {
        var map = new Dictionary<string, int[]> { ["a"] = [0, 1, 2, 3, 0, 1, 2, 3] };

        var moves = RebalancePlanner.Plan(map, new HashSet<int> { 0, 1, 2, 3 }, new HashSet<int> { 1 });

        Assert.Equal([1, 5], moves.Select(m => m.Partition).Order());
        Assert.DoesNotContain(moves, m => m.To == 1);
        AssertWithinOne(Apply(map, moves)["a"], [0, 2, 3]);
    }

    [Fact]
    public void Plan_ordinalThatIsDown_keepsItsPartitions_andGetsNone()
    {
        var map = new Dictionary<string, int[]> { ["a"] = [0, 1, 2, 0, 1, 2, 0, 1] };

        var moves = RebalancePlanner.Plan(map, new HashSet<int> { 0, 1, 3 }, new HashSet<int>());

        Assert.DoesNotContain(moves, m => m.From == 2 || m.To == 2);
        var after = Apply(map, moves)["a"];
        Assert.Equal([2, 5], Enumerable.Range(0, 8).Where(p => after[p] == 2));
        var spread = Enumerable.Range(0, 8).Where(p => after[p] != 2).GroupBy(p => after[p]).Select(g => g.Count()).ToList();
        Assert.True(spread.Max() - spread.Min() <= 1 && spread.Count == 3, string.Join(",", after));
    }

    [Fact]
    public void Plan_noActiveUndrainedOrdinal_movesNothing()
    {
        var map = new Dictionary<string, int[]> { ["a"] = [0, 0] };

        Assert.Empty(RebalancePlanner.Plan(map, new HashSet<int> { 0 }, new HashSet<int> { 0 }));
    }

    private static Dictionary<string, int[]> Apply(Dictionary<string, int[]> map, IEnumerable<(string Dataset, int Partition, int From, int To)> moves)
    {
        var after = map.ToDictionary(d => d.Key, d => d.Value.ToArray());
        foreach (var move in moves)
        {
            after[move.Dataset][move.Partition] = move.To;
        }

        return after;
    }

    private static void AssertWithinOne(int[] owners, int[] ordinals)
    {
        var counts = ordinals.Select(o => owners.Count(x => x == o)).ToList();
        Assert.True(owners.All(ordinals.Contains) && counts.Max() - counts.Min() <= 1, string.Join(",", owners));
    }
}
