namespace Mallard.Silo.Cluster;

/// <summary>How silos find each other and where Mallard's grain state lives (<c>Mallard:Cluster:Mode</c>).</summary>
public enum ClusterMode
{
    /// <summary>One silo on loopback, no external server; grain state in memory (the shards hold all data).</summary>
    Embedded,

    /// <summary>Several silos sharing a PostgreSQL database for membership, grain state and reminders.</summary>
    PostgreSql,
}
