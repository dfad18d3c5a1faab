namespace Mallard.Moves;

/// <summary>
/// The cluster's one rebalancer (key <see cref="Key"/>): plans and runs moves, at most
/// <c>Mallard:Cluster:MaxConcurrentMoves</c> at a time, and rebalances by itself when an ordinal
/// joins and stays active for <c>Mallard:Cluster:RebalanceDelay</c>.
/// </summary>
public interface IRebalanceGrain : IGrainWithStringKey
{
    /// <summary>The key of the one rebalancer.</summary>
    const string Key = "cluster";

    /// <summary>Plans the fewest moves that leave every active, undrained ordinal within one partition of even, per dataset, and runs them unless <paramref name="dryRun"/>. A plan already running is returned instead.</summary>
    Task<ClusterPlan> RebalanceAsync(bool dryRun);

    /// <summary>Marks <paramref name="ordinal"/> drained and moves every partition off it; a running rebalance stops after its current move.</summary>
    /// <exception cref="Mallard.Partitions.PartitionException"><c>drain_refused</c>: unknown ordinal, or the last active one.</exception>
    Task<ClusterPlan> DrainAsync(int ordinal);

    /// <summary>Clears the drained mark of <paramref name="ordinal"/>.</summary>
    Task UndrainAsync(int ordinal);

    /// <summary>Ordinals, ownership and plans.</summary>
    Task<ClusterStatus> GetStatusAsync();

    /// <summary>Keeps the rebalancer active (every silo calls it now and then, so automatic rebalancing survives the loss of its silo).</summary>
    Task PingAsync();
}
