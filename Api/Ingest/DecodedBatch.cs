using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>The outcome of decoding a batch body against a dataset.</summary>
public sealed class DecodedBatch
{
    /// <summary>Number of records seen (valid or not).</summary>
    public int RecordCount { get; init; }

    /// <summary>One vector per dataset column when every record is valid.</summary>
    public ColumnVector[] Columns { get; init; } = [];

    /// <summary>The first reported errors.</summary>
    public IReadOnlyList<RecordError> Errors { get; init; } = [];

    /// <summary>All errors found, reported or not.</summary>
    public int TotalErrors { get; init; }

    /// <summary>Set when the body is not well-formed JSON; nothing else is meaningful then.</summary>
    public string? MalformedBody { get; init; }

    /// <summary>Set when the batch has more records than allowed.</summary>
    public bool TooManyRecords { get; init; }
}
