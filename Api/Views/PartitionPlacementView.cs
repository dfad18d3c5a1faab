using System.Text.Json.Serialization;

namespace Mallard.Api.Views;

/// <summary>
/// Where a partition lives and its state; a partition that did not answer has only
/// <see cref="Unavailable"/> beside its dataset and number.
/// </summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Partition">The partition number.</param>
/// <param name="Silo">The silo its grain is active on.</param>
/// <param name="Rows">Rows stored (int64 as a string).</param>
/// <param name="ShardBytes">The shard file's size (int64 as a string).</param>
/// <param name="QueuedRows">Rows waiting in its write queue (int64 as a string).</param>
/// <param name="Watermark">The highest event time stored, or null.</param>
/// <param name="Owner">The owning ordinal in cluster mode.</param>
/// <param name="Epoch">The fencing epoch of its owner in cluster mode.</param>
/// <param name="Unavailable">Why the partition did not answer.</param>
public sealed record PartitionPlacementView(
    string Dataset,
    int Partition,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Silo = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Rows = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ShardBytes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? QueuedRows = null,
    string? Watermark = null,
    int? Owner = null,
    long? Epoch = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Unavailable = null);
