namespace Mallard.Contract;

/// <summary>One dataset of the contract: its columns, identity, partitioning and time column.</summary>
public sealed class DatasetDefinition
{
    private readonly Dictionary<string, ColumnDefinition> _byName;

    /// <summary>Creates a dataset definition; <see cref="ContractLoader"/> validates before calling this.</summary>
    public DatasetDefinition(
        string name,
        string? description,
        IReadOnlyList<ColumnDefinition> columns,
        IReadOnlyList<string> key,
        IReadOnlyList<string> partitionBy,
        int partitions,
        string? timeColumn,
        TimeSpan? dedupWindow = null)
    {
        DedupWindow = dedupWindow;
        Name = name;
        Description = description;
        Columns = columns;
        Key = key;
        PartitionBy = partitionBy;
        Partitions = partitions;
        TimeColumn = timeColumn;
        _byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        PartitionByOrdinals = partitionBy.Select(c => _byName[c].Ordinal).ToArray();
        KeyOrdinals = key.Select(c => _byName[c].Ordinal).ToArray();
        Hash = DefinitionHash.Of(this);
    }

    /// <summary>Hash of the definition's canonical JSON; equal hashes mean identical tables and routing.</summary>
    public string Hash { get; }

    /// <summary>Dataset identifier, <c>[a-z][a-z0-9_]*</c>.</summary>
    public string Name { get; }

    /// <summary>Free text from the contract, if any.</summary>
    public string? Description { get; }

    /// <summary>Columns in contract order.</summary>
    public IReadOnlyList<ColumnDefinition> Columns { get; }

    /// <summary>Columns that identify a record.</summary>
    public IReadOnlyList<string> Key { get; }

    /// <summary>Columns whose values choose a record's partition.</summary>
    public IReadOnlyList<string> PartitionBy { get; }

    /// <summary>Ordinals of <see cref="PartitionBy"/> columns, in the same order.</summary>
    public IReadOnlyList<int> PartitionByOrdinals { get; }

    /// <summary>Ordinals of <see cref="Key"/> columns, in the same order.</summary>
    public IReadOnlyList<int> KeyOrdinals { get; }

    /// <summary>
    /// How far back, in event time, a record's key is checked for duplicates; null means the shard's
    /// whole history (exact, backed by a unique index).
    /// </summary>
    public TimeSpan? DedupWindow { get; }

    /// <summary>Fixed number of partitions (shards) of the dataset.</summary>
    public int Partitions { get; }

    /// <summary>The event-time column (a timestamp), if the dataset declares one.</summary>
    public string? TimeColumn { get; }

    /// <summary>Looks a column up by name.</summary>
    public bool TryGetColumn(string name, out ColumnDefinition column) =>
        _byName.TryGetValue(name, out column!);

    /// <summary>Looks a column up by name via a span, without allocating.</summary>
    public Dictionary<string, ColumnDefinition>.AlternateLookup<ReadOnlySpan<char>> ColumnLookup =>
        _byName.GetAlternateLookup<ReadOnlySpan<char>>();
}
