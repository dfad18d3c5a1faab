using System.Globalization;
using System.Text.RegularExpressions;

namespace Mallard.Contract;

/// <summary>
/// A column's type as written in <c>schema.yaml</c>: a kind plus, for decimals, precision and scale.
/// </summary>
[GenerateSerializer, Immutable, Alias("mallard.ColumnType")]
public sealed partial record ColumnType(
    [property: Id(0)] ColumnKind Kind,
    [property: Id(1)] int Precision = 0,
    [property: Id(2)] int Scale = 0)
{
    /// <summary>Largest decimal precision Mallard stores; values up to it are exact in .NET <see cref="decimal"/>.</summary>
    public const int MaxDecimalPrecision = 28;

    /// <summary>The names accepted in <c>schema.yaml</c>.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["string", "bool", "int32", "int64", "float64", "decimal(p,s)", "timestamp", "date", "uuid"];

    public static readonly ColumnType String = new(ColumnKind.String);
    public static readonly ColumnType Bool = new(ColumnKind.Bool);
    public static readonly ColumnType Int32 = new(ColumnKind.Int32);
    public static readonly ColumnType Int64 = new(ColumnKind.Int64);
    public static readonly ColumnType Float64 = new(ColumnKind.Float64);
    public static readonly ColumnType Timestamp = new(ColumnKind.Timestamp);
    public static readonly ColumnType Date = new(ColumnKind.Date);
    public static readonly ColumnType Uuid = new(ColumnKind.Uuid);

    /// <summary>Creates a decimal type.</summary>
    public static ColumnType Decimal(int precision, int scale) => new(ColumnKind.Decimal, precision, scale);

    /// <summary>The contract spelling of this type, e.g. <c>decimal(12,2)</c>.</summary>
    public override string ToString() => Kind switch
    {
        ColumnKind.String => "string",
        ColumnKind.Bool => "bool",
        ColumnKind.Int32 => "int32",
        ColumnKind.Int64 => "int64",
        ColumnKind.Float64 => "float64",
        ColumnKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"decimal({Precision},{Scale})"),
        ColumnKind.Timestamp => "timestamp",
        ColumnKind.Date => "date",
        ColumnKind.Uuid => "uuid",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    /// <summary>Parses a contract type name; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string text, out ColumnType type, out string error)
    {
        type = String;
        error = "";
        switch (text)
        {
            case "string": type = String; return true;
            case "bool": type = Bool; return true;
            case "int32": type = Int32; return true;
            case "int64": type = Int64; return true;
            case "float64": type = Float64; return true;
            case "timestamp": type = Timestamp; return true;
            case "date": type = Date; return true;
            case "uuid": type = Uuid; return true;
        }

        var match = DecimalPattern().Match(text);
        if (!match.Success)
        {
            error = $"unknown type '{text}' (expected one of: {string.Join(", ", Names)})";
            return false;
        }

        var precision = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var scale = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        if (precision < 1 || precision > MaxDecimalPrecision)
        {
            error = $"decimal precision must be between 1 and {MaxDecimalPrecision}, got {precision}";
            return false;
        }

        if (scale > precision)
        {
            error = $"decimal scale {scale} exceeds precision {precision}";
            return false;
        }

        type = Decimal(precision, scale);
        return true;
    }

    [GeneratedRegex(@"^decimal\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$")]
    private static partial Regex DecimalPattern();
}
