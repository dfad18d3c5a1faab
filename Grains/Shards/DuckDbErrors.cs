using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace Mallard.Grains.Shards;

/// <summary>
/// What a DuckDB error means for a shard. DuckDB.NET raises one exception type for every error,
/// so the kind is read from the message text, here and nowhere else (checked against DuckDB 1.5.6).
/// </summary>
internal static class DuckDbErrors
{
    /// <summary>
    /// The shard ran out of its memory_limit. An appender reports it as "Failed to append: failed
    /// to offload data block" or "could not allocate block", a commit as "failed to pin block",
    /// without DuckDB's "Out of Memory" prefix.
    /// </summary>
    public static bool IsOutOfMemory(DuckDBException e) =>
        Has(e, "Out of Memory") || Has(e, "failed to offload data block") || Has(e, "could not allocate block") || Has(e, "failed to pin block");

    /// <summary>An arithmetic result (a sum) does not fit its type.</summary>
    public static bool IsOverflow(DuckDBException e) => Has(e, "out of range") || Has(e, "Overflow");

    /// <summary>A primary key or unique constraint refused a row.</summary>
    public static bool IsConstraintViolation(DuckDBException e) => e.ErrorType == DuckDBErrorType.Constraint || Has(e, "Constraint Error");

    private static bool Has(DuckDBException e, string text) => e.Message.Contains(text, StringComparison.OrdinalIgnoreCase);
}
