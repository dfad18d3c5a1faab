using Mallard.Contract;

namespace Mallard.Api.Views;

/// <summary>A dataset of the contract.</summary>
/// <param name="Name">The dataset name.</param>
/// <param name="Description">The contract's description, if any.</param>
/// <param name="Key">The record key columns.</param>
/// <param name="PartitionBy">The hash-partitioning columns.</param>
/// <param name="Partitions">How many partitions the dataset has.</param>
/// <param name="Time">The event-time column, if any.</param>
/// <param name="Hash">The hash of the dataset's definition.</param>
/// <param name="Columns">The columns, in contract order.</param>
public sealed record DatasetView(string Name, string? Description, string[] Key, string[] PartitionBy, int Partitions, string? Time, string Hash, ColumnView[] Columns)
{
    /// <summary>The view of <paramref name="dataset"/>.</summary>
    public static DatasetView Of(DatasetDefinition dataset) => new(
        dataset.Name,
        dataset.Description,
        [.. dataset.Key],
        [.. dataset.PartitionBy],
        dataset.Partitions,
        dataset.TimeColumn,
        dataset.Hash,
        [.. dataset.Columns.Select(c => new ColumnView(c.Name, c.Type.ToString(), c.Nullable, c.Description))]);
}
