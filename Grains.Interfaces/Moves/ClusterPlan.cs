namespace Mallard.Moves;

/// <summary>A rebalance or drain: the moves it makes and how each went.</summary>
/// <param name="PlanId">The plan's id.</param>
/// <param name="Kind"><c>rebalance</c> or <c>drain</c>.</param>
/// <param name="DrainedOrdinal">The ordinal a drain empties.</param>
/// <param name="Moves">Every move, with its latest progress.</param>
/// <param name="Running">True while moves remain.</param>
/// <param name="DryRun">True when the plan was only computed.</param>
[GenerateSerializer, Immutable, Alias("mallard.ClusterPlan")]
public sealed record ClusterPlan(
    [property: Id(0)] Guid PlanId,
    [property: Id(1)] string Kind,
    [property: Id(2)] int? DrainedOrdinal,
    [property: Id(3)] MoveProgress[] Moves,
    [property: Id(4)] bool Running,
    [property: Id(5)] bool DryRun);
