namespace Mallard.Api.Admission;

/// <summary>The gateway's answer to a request asking to be admitted.</summary>
public enum AdmissionResult
{
    /// <summary>Go ahead.</summary>
    Admitted,
    /// <summary>The gateway as a whole is at its limit: 503 with Retry-After.</summary>
    GatewayBusy,
    /// <summary>This client is at its own limit: 429 with Retry-After.</summary>
    ClientBusy,
}
