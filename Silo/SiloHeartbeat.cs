namespace Mallard.Silo;

/// <summary>
/// Liveness without dependencies: a loop on the thread pool stamps the time every second, and
/// <c>/healthz</c> fails when the stamp is older than <see cref="Limit"/> (a starved thread pool
/// or a deadlocked process), never because PostgreSQL or another silo is away.
/// </summary>
public sealed class SiloHeartbeat(TimeProvider clock) : BackgroundService
{
    /// <summary>Longest silence that still counts as alive.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private long _lastBeat = clock.GetTimestamp();

    /// <summary>Whether the loop beat within <see cref="Limit"/>; <paramref name="silence"/> is the time since it last did.</summary>
    public bool IsBeating(out TimeSpan silence)
    {
        silence = clock.GetElapsedTime(Interlocked.Read(ref _lastBeat));
        return silence <= Limit;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        do
        {
            Interlocked.Exchange(ref _lastBeat, clock.GetTimestamp());
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
