using Mallard.Moves;

namespace Mallard.Api.Health;

/// <summary>The JSON shapes of plans and moves on the cluster routes.</summary>
public static class ClusterJson
{
    public static object Plan(ClusterPlan plan) => new
    {
        planId = plan.PlanId,
        kind = plan.Kind,
        drainedOrdinal = plan.DrainedOrdinal,
        dryRun = plan.DryRun,
        running = plan.Running,
        moves = plan.Moves.Select(Move).ToArray(),
    };

    public static object Move(MoveProgress move) => new
    {
        moveId = move.Move.MoveId,
        dataset = move.Move.Dataset,
        partition = move.Move.Partition,
        source = move.Move.Source,
        target = move.Move.Target,
        phase = move.Phase.ToString().ToLowerInvariant(),
        bytes = move.Bytes,
        totalBytes = move.TotalBytes,
        error = move.Error,
        writeUnavailableMs = Math.Round(move.WriteUnavailableMs, 1),
        elapsedMs = Math.Round(move.ElapsedMs, 1),
    };
}
