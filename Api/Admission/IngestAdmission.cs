using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Admission;

/// <summary>
/// Bounds the work the gateway takes on, without ever queueing: a request either gets a slot at once
/// or is refused at once. Limits: concurrent requests overall (503), concurrent requests per client
/// (429; the client is <c>X-Client-Id</c> if sent, else the remote address), and request-body bytes
/// held in memory overall (503).
/// </summary>
public sealed class IngestAdmission(IOptions<GatewayOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _inFlight;
    private long _inFlightBytes;

    /// <summary>Requests currently admitted.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Tries to admit a request expected to hold <paramref name="bodyBytes"/> in memory.</summary>
    public AdmissionResult TryEnter(string client, long bodyBytes)
    {
        var limits = options.Value;
        if (Interlocked.Increment(ref _inFlight) > limits.MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref _inFlight);
            return AdmissionResult.GatewayBusy;
        }

        // A single body larger than the budget is still admitted when nothing else is held.
        var heldBytes = Interlocked.Add(ref _inFlightBytes, bodyBytes);
        if (heldBytes > limits.MaxInFlightBodyBytes && heldBytes - bodyBytes > 0)
        {
            Interlocked.Add(ref _inFlightBytes, -bodyBytes);
            Interlocked.Decrement(ref _inFlight);
            return AdmissionResult.GatewayBusy;
        }

        if (_perClient.AddOrUpdate(client, 1, (_, count) => count + 1) > limits.MaxConcurrentRequestsPerClient)
        {
            Leave(client, bodyBytes);
            return AdmissionResult.ClientBusy;
        }

        return AdmissionResult.Admitted;
    }

    /// <summary>Releases what <see cref="TryEnter"/> took.</summary>
    public void Leave(string client, long bodyBytes)
    {
        _perClient.AddOrUpdate(client, 0, (_, count) => count - 1);
        _perClient.TryRemove(new KeyValuePair<string, int>(client, 0));
        Interlocked.Add(ref _inFlightBytes, -bodyBytes);
        Interlocked.Decrement(ref _inFlight);
    }
}
