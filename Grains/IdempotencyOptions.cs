using Microsoft.Extensions.Configuration;

namespace Mallard.Grains;

/// <summary>Section <c>Mallard:Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Mallard:Idempotency";

    /// <summary>
    /// How long a claimed key stays "in flight" without being released: a gateway that died mid-request
    /// blocks retries with 409 for at most this long.
    /// </summary>
    public TimeSpan InFlightLease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Binds and checks the section.</summary>
    /// <exception cref="InvalidOperationException">A setting is malformed; the message names it.</exception>
    public static IdempotencyOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<IdempotencyOptions>() ?? new IdempotencyOptions();
        if (options.InFlightLease <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:InFlightLease is '{options.InFlightLease}'; expected a positive time span");
        }

        return options;
    }
}
