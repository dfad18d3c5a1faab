namespace Mallard.Contract;

/// <summary>The physical kinds of value a contract column can hold.</summary>
public enum ColumnKind
{
    /// <summary>UTF-8 text; DuckDB <c>VARCHAR</c>.</summary>
    String = 0,
    /// <summary><c>true</c>/<c>false</c>; DuckDB <c>BOOLEAN</c>.</summary>
    Bool = 1,
    /// <summary>32-bit signed integer; DuckDB <c>INTEGER</c>.</summary>
    Int32 = 2,
    /// <summary>64-bit signed integer; DuckDB <c>BIGINT</c>. Travels as a JSON string.</summary>
    Int64 = 3,
    /// <summary>IEEE 754 double; DuckDB <c>DOUBLE</c>. NaN and infinities are rejected.</summary>
    Float64 = 4,
    /// <summary>Exact fixed-point number <c>decimal(p,s)</c>; DuckDB <c>DECIMAL(p,s)</c>. Travels as a JSON string.</summary>
    Decimal = 5,
    /// <summary>UTC instant with microsecond precision; DuckDB <c>TIMESTAMP</c>.</summary>
    Timestamp = 6,
    /// <summary>Calendar date; DuckDB <c>DATE</c>.</summary>
    Date = 7,
    /// <summary>128-bit identifier in canonical form; DuckDB <c>UUID</c>.</summary>
    Uuid = 8,
}
