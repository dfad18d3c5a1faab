namespace Mallard.Api.Ingest;

/// <summary>How a batch body is framed.</summary>
public enum BodyFormat
{
    /// <summary><c>application/json</c>: one JSON array of record objects.</summary>
    JsonArray,
    /// <summary><c>application/x-ndjson</c>: one record object per line.</summary>
    NdJson,
    /// <summary><c>application/vnd.apache.arrow.stream</c>: an Apache Arrow IPC stream, one column per field.</summary>
    ArrowStream,
}
