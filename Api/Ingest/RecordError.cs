namespace Mallard.Api.Ingest;

/// <summary>Why one field of one record was refused.</summary>
/// <param name="Index">Zero-based position of the record in the batch; null when the error is in the body's schema (an Arrow stream's column), not in one record.</param>
/// <param name="Field">The field, or null when the record as a whole is wrong.</param>
/// <param name="Code">Stable machine-readable reason.</param>
/// <param name="Message">What is wrong, for a person.</param>
public sealed record RecordError(int? Index, string? Field, string Code, string Message);
