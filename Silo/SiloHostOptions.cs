namespace Mallard.Silo;

/// <summary>The silo process itself (section <c>Mallard:Silo</c>).</summary>
public sealed class SiloHostOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Mallard:Silo";

    /// <summary>The silo's own HTTP port (/healthz, /metrics), bound to loopback.</summary>
    public int HttpPort { get; set; } = 8081;

    /// <summary>How long a SIGTERM drain may take; give Kubernetes a longer grace period.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Binds and checks the section.</summary>
    /// <exception cref="InvalidOperationException">A setting is malformed; the message names it.</exception>
    public static SiloHostOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        if (options.HttpPort is < 1 or > 65535)
        {
            throw new InvalidOperationException($"{Section}:HttpPort is {options.HttpPort}; expected a TCP port from 1 to 65535");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:ShutdownTimeout is {options.ShutdownTimeout}; expected a positive time span");
        }

        return options;
    }
}
