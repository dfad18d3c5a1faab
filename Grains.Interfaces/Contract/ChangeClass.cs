namespace Mallard.Contract;

/// <summary>How a contract change may ship.</summary>
public enum ChangeClass
{
    /// <summary>Applies online, per shard, when the partition next activates.</summary>
    Compatible,
    /// <summary>Breaking, but carried out by a declared migration.</summary>
    Migration,
    /// <summary>Breaking and not explained by any migration: refused.</summary>
    Breaking,
}
