namespace Mallard.Api.Views;

/// <summary>The current plan, without its moves (they are listed by phase beside it).</summary>
/// <param name="PlanId">The plan's id.</param>
/// <param name="Kind">rebalance or drain.</param>
/// <param name="Running">True while its moves run.</param>
/// <param name="DrainedOrdinal">The ordinal a drain empties, if any.</param>
public sealed record PlanSummaryView(Guid PlanId, string Kind, bool Running, int? DrainedOrdinal);
