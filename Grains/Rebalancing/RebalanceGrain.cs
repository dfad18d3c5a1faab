using Mallard.Grains.Ownership;
using Mallard.Moves;
using Mallard.Partitions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mallard.Grains.Rebalancing;

/// <summary>
/// Plans and runs moves (see <see cref="IRebalanceGrain"/>). Plans live in this activation's
/// memory: if its silo dies, the move in flight either completes on its target or its source
/// takes the partition back when its seal times out, and the next plan starts from the stored
/// map. Drained ordinals live in the ownership store.
/// </summary>
public sealed partial class RebalanceGrain(
    IOwnershipStore store,
    ActiveOrdinals active,
    IOptions<RebalanceOptions> options,
    TimeProvider time,
    ILogger<RebalanceGrain> logger)
    : Grain, IRebalanceGrain
{
    private const int KeptFailures = 50;
    private readonly Dictionary<int, DateTimeOffset> _activeSince = [];
    private readonly HashSet<int> _rebalancedFor = [];
    private readonly List<MoveProgress> _failures = [];
    private ClusterPlan? _plan;
    private Task? _running;
    private bool _stopAfterCurrent;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(WatchMembershipAsync, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true, Interleave = true });
        return Task.CompletedTask;
    }

    public Task PingAsync() => Task.CompletedTask;

    public async Task<ClusterPlan> RebalanceAsync(bool dryRun)
    {
        if (_plan is { Running: true } running)
        {
            return running;
        }

        var plan = await PlanAsync("rebalance", null, dryRun);
        if (!dryRun)
        {
            Run(plan);
        }

        return plan;
    }

    public async Task<ClusterPlan> DrainAsync(int ordinal)
    {
        if (_plan is { Running: true, Kind: "drain" } draining && draining.DrainedOrdinal == ordinal)
        {
            return draining;
        }

        var map = await store.ReadMapAsync();
        var drained = await store.ReadDrainedAsync();
        var members = active.Now().Keys.ToHashSet();
        if (!members.Contains(ordinal) && !map.Values.Any(owners => owners.Contains(ordinal)))
        {
            throw new PartitionException(ErrorCodes.DrainRefused, $"ordinal {ordinal} is not an active member and owns no partition");
        }

        if (!members.Any(o => o != ordinal && !drained.Contains(o)))
        {
            throw new PartitionException(ErrorCodes.DrainRefused, $"ordinal {ordinal} is the last active, undrained ordinal; its partitions would have nowhere to go");
        }

        await store.SetDrainedAsync(ordinal, true);
        LogDrained(ordinal);
        if (_running is { IsCompleted: false })
        {
            // The running plan stops after its current moves; the drain follows it.
            _stopAfterCurrent = true;
            await _running;
        }

        var plan = await PlanAsync("drain", ordinal, dryRun: false);
        Run(plan);
        return plan;
    }

    public async Task UndrainAsync(int ordinal)
    {
        await store.SetDrainedAsync(ordinal, false);
        LogUndrained(ordinal);
    }

    public async Task<ClusterStatus> GetStatusAsync()
    {
        var map = await store.ReadMapAsync();
        var drained = await store.ReadDrainedAsync();
        var members = active.Now().Keys.ToHashSet();
        var known = members.Concat(drained).Concat(map.Values.SelectMany(o => o)).Distinct().Order();
        var ordinals = known.Select(o => new OrdinalStatus(
            o,
            members.Contains(o),
            drained.Contains(o),
            map.ToDictionary(d => d.Key, d => Enumerable.Range(0, d.Value.Length).Where(p => d.Value[p] == o).ToArray(), StringComparer.Ordinal))).ToArray();
        return new ClusterStatus(ordinals, _plan, [.. _failures]);
    }

    private async Task<ClusterPlan> PlanAsync(string kind, int? drainedOrdinal, bool dryRun)
    {
        var map = await store.ReadMapAsync();
        var drained = await store.ReadDrainedAsync();
        var members = active.Now().Keys.ToHashSet();
        var moves = RebalancePlanner.Plan(map, members, drained)
            .Select(m => new MoveProgress(new PartitionMove(Guid.NewGuid(), m.Dataset, m.Partition, m.From, m.To), MovePhase.Planned, 0, 0, null, 0, 0))
            .ToArray();
        var plan = new ClusterPlan(Guid.NewGuid(), kind, drainedOrdinal, moves, Running: !dryRun && moves.Length > 0, dryRun);
        LogPlanned(kind, moves.Length, dryRun);
        return plan;
    }

    private void Run(ClusterPlan plan)
    {
        _plan = plan;
        _stopAfterCurrent = false;
        if (plan.Moves.Length > 0)
        {
            _running = RunAsync(plan.PlanId);
        }
    }

    private async Task RunAsync(Guid planId)
    {
        var width = options.Value.MaxConcurrentMoves;
        var index = 0;
        var inFlight = new List<Task>();
        while (_plan is { } plan && plan.PlanId == planId)
        {
            while (inFlight.Count < width && index < plan.Moves.Length && !_stopAfterCurrent)
            {
                inFlight.Add(MoveAsync(planId, index++));
            }

            if (inFlight.Count == 0)
            {
                break;
            }

            inFlight.Remove(await Task.WhenAny(inFlight));
        }

        if (_plan is { } done && done.PlanId == planId)
        {
            _plan = done with { Running = false };
            LogPlanEnded(done.Kind, done.Moves.Count(m => m.Phase == MovePhase.Completed), done.Moves.Count(m => m.Phase == MovePhase.Failed));
        }
    }

    // Runs one move on its target and follows it until it ends; a failure is counted and the plan goes on.
    private async Task MoveAsync(Guid planId, int index)
    {
        var move = _plan!.Moves[index].Move;
        var receiver = GrainFactory.GetGrain<IShardReceiverGrain>(IShardReceiverGrain.KeyOf(move));
        MoveProgress progress;
        try
        {
            progress = await receiver.StartAsync(move);
            while (!progress.Done)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time);

                // A receiver that knows no move was activated anew: its silo restarted and the move died with it.
                progress = await receiver.GetProgressAsync() is { } now && now.Move.MoveId == move.MoveId
                    ? now
                    : progress with { Phase = MovePhase.Failed, Error = "target: the receiver lost the move (its silo restarted)" };
                Update(planId, index, progress);
            }
        }
        catch (Exception e)
        {
            progress = new MoveProgress(move, MovePhase.Failed, 0, 0, $"start: {e.GetBaseException().Message}", 0, 0);
        }

        Update(planId, index, progress);
        if (progress.Phase == MovePhase.Failed)
        {
            _failures.Add(progress);
            if (_failures.Count > KeptFailures)
            {
                _failures.RemoveAt(0);
            }
        }
    }

    private void Update(Guid planId, int index, MoveProgress progress)
    {
        if (_plan is { } plan && plan.PlanId == planId)
        {
            var moves = plan.Moves.ToArray();
            moves[index] = progress;
            _plan = plan with { Moves = moves };
        }
    }

    // An ordinal that joined and stayed active for the delay triggers one rebalance; a silo that
    // is down is left alone (its partitions wait for it).
    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var members = active.Now().Keys.ToHashSet();
        foreach (var gone in _activeSince.Keys.Where(o => !members.Contains(o)).ToList())
        {
            _activeSince.Remove(gone);
            _rebalancedFor.Remove(gone);
        }

        foreach (var ordinal in members)
        {
            _activeSince.TryAdd(ordinal, now);
        }

        var due = members.Where(o => !_rebalancedFor.Contains(o) && now - _activeSince[o] >= options.Value.RebalanceDelay).ToList();
        if (due.Count == 0 || !options.Value.AutoRebalance || _running is { IsCompleted: false })
        {
            return;
        }

        _rebalancedFor.UnionWith(due);
        try
        {
            var plan = await PlanAsync("rebalance", null, dryRun: false);
            if (plan.Moves.Length > 0)
            {
                LogAutomatic(string.Join(",", due), plan.Moves.Length);
                Run(plan);
            }
        }
        catch (Exception e)
        {
            // The store may be down; the next tick tries again.
            _rebalancedFor.ExceptWith(due);
            LogAutomaticFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebalancer: {Kind} plan with {Moves} moves (dry run: {DryRun})")]
    private partial void LogPlanned(string kind, int moves, bool dryRun);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebalancer: {Kind} plan ended: {Completed} moves completed, {Failed} failed")]
    private partial void LogPlanEnded(string kind, int completed, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebalancer: ordinals {Ordinals} joined and stayed active; rebalancing with {Moves} moves")]
    private partial void LogAutomatic(string ordinals, int moves);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebalancer: automatic rebalance could not be planned")]
    private partial void LogAutomaticFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebalancer: ordinal {Ordinal} drained")]
    private partial void LogDrained(int ordinal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebalancer: ordinal {Ordinal} undrained")]
    private partial void LogUndrained(int ordinal);
}
