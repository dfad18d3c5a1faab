namespace Mallard.Api.Admission;

/// <summary>How reading a request body ended.</summary>
public enum BodyReadOutcome
{
    /// <summary>The whole body is in memory.</summary>
    Complete,
    /// <summary>The body is (or says it is) larger than the route's limit; 413.</summary>
    TooLarge,
    /// <summary>Holding more of a chunked body would pass the gateway's body budget; 503.</summary>
    OverBudget,
    /// <summary>The client sent below the minimum data rate and Kestrel cut it off; 408.</summary>
    TooSlow,
    /// <summary>The body ended early or the client went away.</summary>
    Incomplete,
    /// <summary>The body's Content-Encoding does not decompress; 400.</summary>
    Corrupt,
}
