using Microsoft.Extensions.Configuration;

namespace Mallard.Grains.Rebalancing;

/// <summary>How the cluster moves partitions (section <c>Mallard:Cluster</c>), bound and checked once.</summary>
public sealed class RebalanceOptions
{
    public const string Section = "Mallard:Cluster";

    /// <summary>Rebalance by itself when an ordinal joins and stays active for <see cref="RebalanceDelay"/>.</summary>
    public bool AutoRebalance { get; set; } = true;

    /// <summary>How long a newly active ordinal must stay active before an automatic rebalance.</summary>
    public TimeSpan RebalanceDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Moves a plan runs at once.</summary>
    public int MaxConcurrentMoves { get; set; } = 1;

    /// <summary>
    /// Caps how fast a move copies a shard image, in MB/s (0: as fast as it goes). A copy competes
    /// with ingest for the silos' cores and disks; a cap trades move time for the other
    /// partitions' latency.
    /// </summary>
    public int MoveCopyMegabytesPerSecond { get; set; }

    /// <summary>How long a silo keeps a shard file it handed off (under <c>retired/</c>) before deleting it.</summary>
    public TimeSpan RetiredShardRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Binds and checks the section.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range; the message names the key.</exception>
    public static RebalanceOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<RebalanceOptions>() ?? new RebalanceOptions();
        if (options.RebalanceDelay < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:RebalanceDelay is '{options.RebalanceDelay}'; expected a time span of zero or more");
        }

        if (options.MaxConcurrentMoves is < 1 or > 64)
        {
            throw new InvalidOperationException($"{Section}:MaxConcurrentMoves is {options.MaxConcurrentMoves}; expected 1 to 64");
        }

        if (options.MoveCopyMegabytesPerSecond < 0)
        {
            throw new InvalidOperationException($"{Section}:MoveCopyMegabytesPerSecond is {options.MoveCopyMegabytesPerSecond}; expected 0 (no cap) or more");
        }

        if (options.RetiredShardRetention < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:RetiredShardRetention is '{options.RetiredShardRetention}'; expected a time span of zero or more");
        }

        return options;
    }
}
