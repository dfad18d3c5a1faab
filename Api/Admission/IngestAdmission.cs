using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Admission;

/// <summary>
/// Bounds the work the gateway takes on, without ever queueing: a request either gets what it asks
/// for at once or is refused at once. Two separate budgets, taken at different moments:
/// request-body bytes held in memory overall (503), reserved while the body is read; and slots for
/// requests being processed, overall (503) and per client (429), taken only once the whole body has
/// arrived, so clients that send slowly never hold a slot a fast client needs.
/// </summary>
public sealed class IngestAdmission(IOptions<GatewayOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _inFlight;
    private long _inFlightBytes;

    /// <summary>Requests currently holding a processing slot.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Body bytes currently reserved.</summary>
    public long InFlightBytes => Interlocked.Read(ref _inFlightBytes);

    /// <summary>Reserves <paramref name="bytes"/> of the body budget; false when it would pass the budget.</summary>
    public bool TryReserveBytes(long bytes)
    {
        // A single body larger than the budget is still admitted when nothing else is held.
        var held = Interlocked.Add(ref _inFlightBytes, bytes);
        if (held > options.Value.MaxInFlightBodyBytes && held - bytes > 0)
        {
            Interlocked.Add(ref _inFlightBytes, -bytes);
            return false;
        }

        return true;
    }

    /// <summary>Returns bytes taken by <see cref="TryReserveBytes"/>.</summary>
    public void ReleaseBytes(long bytes) => Interlocked.Add(ref _inFlightBytes, -bytes);

    /// <summary>Tries to take a processing slot for a request of <paramref name="client"/>.</summary>
    public AdmissionResult TryEnter(string client)
    {
        var limits = options.Value;
        if (Interlocked.Increment(ref _inFlight) > limits.MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref _inFlight);
            return AdmissionResult.GatewayBusy;
        }

        if (_perClient.AddOrUpdate(client, 1, (_, count) => count + 1) > limits.MaxConcurrentRequestsPerClient)
        {
            Leave(client);
            return AdmissionResult.ClientBusy;
        }

        return AdmissionResult.Admitted;
    }

    /// <summary>Releases the slot <see cref="TryEnter"/> took.</summary>
    public void Leave(string client)
    {
        _perClient.AddOrUpdate(client, 0, (_, count) => count - 1);
        _perClient.TryRemove(new KeyValuePair<string, int>(client, 0));
        Interlocked.Decrement(ref _inFlight);
    }
}
