namespace Mallard.Partitions;

/// <summary>
/// The codes of one refused field or record inside an <see cref="ErrorCodes.InvalidRecords"/>
/// answer (its <c>errors[].code</c>); <see cref="ErrorCatalog.RecordErrors"/> describes each.
/// </summary>
public static class RecordErrorCodes
{
    /// <summary>The record is not a JSON object.</summary>
    public const string NotAnObject = "not_an_object";

    /// <summary>The record names a field the dataset does not have.</summary>
    public const string UnknownField = "unknown_field";

    /// <summary>The record names a field twice.</summary>
    public const string DuplicateField = "duplicate_field";

    /// <summary>A required field is absent from the record.</summary>
    public const string Missing = "missing";

    /// <summary>A required field is null.</summary>
    public const string NullNotAllowed = "null_not_allowed";

    /// <summary>The JSON type of the value does not fit the column (e.g. a string for int32).</summary>
    public const string WrongType = "wrong_type";

    /// <summary>The value's text is not in the column type's format.</summary>
    public const string InvalidFormat = "invalid_format";

    /// <summary>The value is outside the column type's range.</summary>
    public const string OutOfRange = "out_of_range";

    /// <summary>The value has more precision than the column stores (it would be rounded).</summary>
    public const string TooPrecise = "too_precise";

    /// <summary>The string holds a NUL or an unpaired surrogate.</summary>
    public const string InvalidString = "invalid_string";

    /// <summary>The string is longer than <c>Mallard:Gateway:MaxStringBytes</c> (UTF-8 bytes).</summary>
    public const string TooLong = "too_long";
}
