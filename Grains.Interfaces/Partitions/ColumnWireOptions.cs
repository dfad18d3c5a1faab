namespace Mallard.Partitions;

/// <summary>The column codec's setting, from <c>Mallard:Cluster:ColumnWire</c> on both hosts.</summary>
public sealed class ColumnWireOptions
{
    /// <summary>The form this host writes; it reads both.</summary>
    public ColumnWireFormat Format { get; set; } = ColumnWireFormat.Packed;
}
