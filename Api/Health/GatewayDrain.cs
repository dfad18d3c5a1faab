using Microsoft.Extensions.Options;

namespace Mallard.Api.Health;

/// <summary>
/// On SIGTERM the gateway turns unready at once and keeps serving for
/// <c>Mallard:Gateway:ShutdownDelay</c> before Kestrel stops, so load balancers (Kubernetes
/// endpoints) stop sending to it before it stops answering.
/// </summary>
public sealed class GatewayDrain(IOptions<GatewayOptions> options, IHostApplicationLifetime lifetime) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>Whether the gateway is shutting down (and so unready).</summary>
    public bool IsStopping => _draining || lifetime.ApplicationStopping.IsCancellationRequested;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var delay = options.Value.ShutdownDelay;
        return delay > TimeSpan.Zero ? Task.Delay(delay, cancellationToken) : Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
