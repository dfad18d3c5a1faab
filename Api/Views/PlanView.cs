using Mallard.Moves;

namespace Mallard.Api.Views;

/// <summary>A rebalance or drain plan (the 202 answer of the cluster operations).</summary>
/// <param name="PlanId">The plan's id.</param>
/// <param name="Kind">rebalance or drain.</param>
/// <param name="DrainedOrdinal">The ordinal a drain empties, if any.</param>
/// <param name="DryRun">True when the plan was only computed.</param>
/// <param name="Running">True while its moves run.</param>
/// <param name="Moves">Its moves.</param>
public sealed record PlanView(Guid PlanId, string Kind, int? DrainedOrdinal, bool DryRun, bool Running, MoveView[] Moves)
{
    /// <summary>The view of <paramref name="plan"/>.</summary>
    public static PlanView Of(ClusterPlan plan) => new(plan.PlanId, plan.Kind, plan.DrainedOrdinal, plan.DryRun, plan.Running, [.. plan.Moves.Select(MoveView.Of)]);
}
