namespace Mallard.Api.Views;

/// <summary>The moves of the current plan by phase, and the failed moves the rebalancer remembers.</summary>
/// <param name="Plan">The current plan, if any.</param>
/// <param name="Planned">Moves not started.</param>
/// <param name="InProgress">Moves copying, catching up or switching.</param>
/// <param name="Completed">Moves done.</param>
/// <param name="Failed">Moves that failed.</param>
public sealed record MovesView(PlanSummaryView? Plan, MoveView[] Planned, MoveView[] InProgress, MoveView[] Completed, MoveView[] Failed);
