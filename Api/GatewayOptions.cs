namespace Mallard.Api;

/// <summary>Limits and wiring of the HTTP gateway. Section <c>Mallard:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Mallard:Gateway";

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    public long MaxBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Most records in one batch; more get 413.</summary>
    public int MaxRecordsPerBatch { get; set; } = 100_000;

    /// <summary>Most validation errors listed in a 422 (the total is always given).</summary>
    public int MaxReportedErrors { get; set; } = 100;

    /// <summary>Most POST requests (ingest and query) in flight at once; more get 503 with Retry-After.</summary>
    public int MaxConcurrentRequests { get; set; } = 32;

    /// <summary>Most POST requests in flight at once for one client; more get 429 with Retry-After.</summary>
    public int MaxConcurrentRequestsPerClient { get; set; } = 16;

    /// <summary>Most request-body bytes held at once (declared by Content-Length, or read so far of a chunked body); more get 503.</summary>
    public long MaxInFlightBodyBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Slowest a request body may arrive, after <see cref="BodyRateGracePeriod"/>; slower gets <c>408 body_too_slow</c> and the connection is closed.</summary>
    public int MinBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>How long a body may arrive below <see cref="MinBodyBytesPerSecond"/> before it is cut off.</summary>
    public TimeSpan BodyRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest a client may take to send a request's headers; the connection is closed after it.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a gateway keeps serving after SIGTERM while its <c>/readyz</c> says it is stopping (on Kubernetes: until endpoints drop it).</summary>
    public TimeSpan ShutdownDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Longest string value accepted in a record, in UTF-8 bytes; longer gets <c>422</c> with record error <c>too_long</c>.</summary>
    public int MaxStringBytes { get; set; } = 64 * 1024;

    /// <summary>Most values bound by all filter conditions of one query together (each condition counts at least one).</summary>
    public int MaxQueryValues { get; set; } = 10_000;

    /// <summary>Most values in one <c>in</c> filter.</summary>
    public int MaxInValues { get; set; } = 1_000;

    /// <summary>Binds and checks the section.</summary>
    /// <exception cref="InvalidOperationException">A setting is malformed; the message names it.</exception>
    public static GatewayOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<GatewayOptions>() ?? new GatewayOptions();
        Require(options.MaxBodyBytes >= 1, nameof(MaxBodyBytes), options.MaxBodyBytes);
        Require(options.MaxRecordsPerBatch >= 1, nameof(MaxRecordsPerBatch), options.MaxRecordsPerBatch);
        Require(options.MaxReportedErrors >= 1, nameof(MaxReportedErrors), options.MaxReportedErrors);
        Require(options.MaxStringBytes >= 1, nameof(MaxStringBytes), options.MaxStringBytes);
        Require(options.MaxQueryValues >= 1, nameof(MaxQueryValues), options.MaxQueryValues);
        Require(options.MaxConcurrentRequests >= 1, nameof(MaxConcurrentRequests), options.MaxConcurrentRequests);
        Require(options.MaxConcurrentRequestsPerClient >= 1, nameof(MaxConcurrentRequestsPerClient), options.MaxConcurrentRequestsPerClient);
        Require(options.MaxInFlightBodyBytes >= options.MaxBodyBytes, nameof(MaxInFlightBodyBytes), options.MaxInFlightBodyBytes, "at least MaxBodyBytes");
        Require(options.MaxInValues >= 1, nameof(MaxInValues), options.MaxInValues);
        Require(options.ShutdownDelay >= TimeSpan.Zero, nameof(ShutdownDelay), (long)options.ShutdownDelay.TotalSeconds, "0 or more seconds");
        Require(options.MinBodyBytesPerSecond >= 1, nameof(MinBodyBytesPerSecond), options.MinBodyBytesPerSecond);
        // Kestrel refuses a grace period of one second or less.
        Require(options.BodyRateGracePeriod > TimeSpan.FromSeconds(1), nameof(BodyRateGracePeriod), (long)options.BodyRateGracePeriod.TotalSeconds, "more than 1 second");
        Require(options.RequestHeadersTimeout > TimeSpan.Zero, nameof(RequestHeadersTimeout), (long)options.RequestHeadersTimeout.TotalSeconds, "more than 0 seconds");
        return options;
    }

    private static void Require(bool valid, string name, long value, string expected = "at least 1")
    {
        if (!valid)
        {
            throw new InvalidOperationException($"{Section}:{name} is {value}; expected {expected}");
        }
    }
}
