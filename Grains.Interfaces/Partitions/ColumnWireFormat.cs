namespace Mallard.Partitions;

/// <summary>How a host writes a <see cref="ColumnVector"/> into grain calls; every host reads both.</summary>
public enum ColumnWireFormat
{
    /// <summary>Each array as its raw bytes in one field (the default).</summary>
    Packed = 0,

    /// <summary>
    /// Each value as its own field, the form builds before the packed one wrote and the only one
    /// they read: set on every host while a cluster rolls from such a build (docs/kubernetes.md).
    /// </summary>
    Fields = 1,
}
