using System.Text;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// Turns one non-null Arrow value into a contract column's value, with the same checks as JSON:
/// a value the column cannot hold exactly is an error, never rounded or cut.
/// </summary>
internal static class ArrowValues
{
    private const long MicrosPerDay = 86_400_000_000;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    /// <summary>The first day a date column holds (0001-01-01), in days since 1970-01-01.</summary>
    public static readonly int MinDay = ValueText.DateOnlyToDate(DateOnly.MinValue);

    /// <summary>The last day a date column holds (9999-12-31), in days since 1970-01-01.</summary>
    public static readonly int MaxDay = ValueText.DateOnlyToDate(DateOnly.MaxValue);

    /// <summary>Appends the value at <paramref name="row"/>; null on success, else the error.</summary>
    /// <remarks>The stream column's type was matched to the contract column's by its schema first.</remarks>
    public static (string Code, string Message)? TryAppend(ColumnDefinition column, IArrowType type, IArrowArray array, int row, ColumnVectorBuilder builder, int maxStringBytes)
    {
        switch (column.Type.Kind)
        {
            case ColumnKind.String:
            {
                var bytes = Utf8Of(array, row);
                if (bytes.Length > maxStringBytes)
                {
                    return (RecordErrorCodes.TooLong, $"the string is longer than the gateway's limit of {maxStringBytes} UTF-8 bytes (Mallard:Gateway:MaxStringBytes)");
                }

                if (bytes.Contains((byte)0))
                {
                    return (RecordErrorCodes.InvalidString, "string contains a NUL character, which is not stored");
                }

                if (!System.Text.Unicode.Utf8.IsValid(bytes))
                {
                    return (RecordErrorCodes.InvalidString, "string is not valid UTF-8");
                }

                builder.AppendUtf8(bytes);
                return null;
            }

            case ColumnKind.Bool:
                builder.AppendBool(((BooleanArray)array).GetValue(row)!.Value);
                return null;

            case ColumnKind.Int32:
                // The schema admits only types whose every value fits.
                builder.AppendInt32((int)SignedOf(array, row));
                return null;

            case ColumnKind.Int64:
                if (array is UInt64Array unsigned)
                {
                    var value = unsigned.GetValue(row)!.Value;
                    if (value > long.MaxValue)
                    {
                        return (RecordErrorCodes.OutOfRange, $"{value} is outside the int64 range");
                    }

                    builder.AppendInt64((long)value);
                    return null;
                }

                builder.AppendInt64(SignedOf(array, row));
                return null;

            case ColumnKind.Float64:
            {
                var value = array is FloatArray single ? single.GetValue(row)!.Value : ((DoubleArray)array).GetValue(row)!.Value;
                if (!double.IsFinite(value))
                {
                    return (RecordErrorCodes.OutOfRange, $"{value} is not a finite float64");
                }

                builder.AppendFloat64(value);
                return null;
            }

            case ColumnKind.Decimal:
            {
                decimal value;
                try
                {
                    value = array is Decimal128Array d128 ? d128.GetValue(row)!.Value : ((Decimal256Array)array).GetValue(row)!.Value;
                }
                catch (OverflowException)
                {
                    return (RecordErrorCodes.OutOfRange, $"the value has more integer digits than {column.Type} stores");
                }

                if (Math.Abs(value) >= Pow10(column.Type.Precision - column.Type.Scale))
                {
                    return (RecordErrorCodes.OutOfRange, $"{ValueText.FormatDecimal(value, column.Type.Scale)} has more integer digits than {column.Type} stores");
                }

                builder.AppendDecimal(value);
                return null;
            }

            case ColumnKind.Timestamp:
            {
                var raw = ((TimestampArray)array).GetValue(row)!.Value;
                long micros;
                switch (((TimestampType)type).Unit)
                {
                    case TimeUnit.Second when raw is > long.MaxValue / 1_000_000 or < long.MinValue / 1_000_000:
                    case TimeUnit.Millisecond when raw is > long.MaxValue / 1_000 or < long.MinValue / 1_000:
                        return (RecordErrorCodes.OutOfRange, $"{raw} is not a valid instant between years 0001 and 9999");
                    case TimeUnit.Second:
                        micros = raw * 1_000_000;
                        break;
                    case TimeUnit.Millisecond:
                        micros = raw * 1_000;
                        break;
                    case TimeUnit.Nanosecond when raw % 1_000 != 0:
                        return (RecordErrorCodes.TooPrecise, $"{raw} ns is more precise than a microsecond");
                    case TimeUnit.Nanosecond:
                        micros = raw / 1_000;
                        break;
                    default:
                        micros = raw;
                        break;
                }

                if (micros < ValueText.MinTimestampMicros || micros > ValueText.MaxTimestampMicros)
                {
                    return (RecordErrorCodes.OutOfRange, $"{raw} is not a valid instant between years 0001 and 9999");
                }

                builder.AppendInt64(micros);
                return null;
            }

            case ColumnKind.Date:
            {
                long days;
                if (array is Date64Array date64)
                {
                    var millis = date64.GetValue(row)!.Value;
                    if (millis % (MicrosPerDay / 1_000) != 0)
                    {
                        return (RecordErrorCodes.InvalidFormat, $"date64 value {millis} is not midnight of a day");
                    }

                    days = millis / (MicrosPerDay / 1_000);
                }
                else
                {
                    days = ((Date32Array)array).GetValue(row)!.Value;
                }

                if (days < MinDay || days > MaxDay)
                {
                    return (RecordErrorCodes.OutOfRange, $"day {days} since 1970-01-01 is not between years 0001 and 9999");
                }

                builder.AppendInt32((int)days);
                return null;
            }

            case ColumnKind.Uuid:
            {
                if (array is FixedSizeBinaryArray binary)
                {
                    // The arrow.uuid extension stores the 16 bytes in RFC 4122 (big-endian) order.
                    builder.AppendUuid(new Guid(binary.GetBytes(row), bigEndian: true));
                    return null;
                }

                var bytes = Utf8Of(array, row);
                Span<char> text = stackalloc char[64];
                if (bytes.Length > 64 || !StrictUtf8.TryGetChars(bytes, text, out var written) || ValueText.TryParseUuid(text[..written], out var uuid) != ParseStatus.Ok)
                {
                    return (RecordErrorCodes.InvalidFormat, "expected a UUID in canonical form (8-4-4-4-12 hex digits)");
                }

                builder.AppendUuid(uuid);
                return null;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(column), column.Type.Kind, null);
        }
    }

    private static ReadOnlySpan<byte> Utf8Of(IArrowArray array, int row) => array switch
    {
        StringArray s => s.GetBytes(row),
        LargeStringArray s => s.GetBytes(row),
        StringViewArray s => s.GetBytes(row),
        _ => throw new ArgumentException($"not a string array: {array.GetType().Name}", nameof(array)),
    };

    private static long SignedOf(IArrowArray array, int row) => array switch
    {
        Int8Array a => a.GetValue(row)!.Value,
        Int16Array a => a.GetValue(row)!.Value,
        Int32Array a => a.GetValue(row)!.Value,
        Int64Array a => a.GetValue(row)!.Value,
        UInt8Array a => a.GetValue(row)!.Value,
        UInt16Array a => a.GetValue(row)!.Value,
        UInt32Array a => a.GetValue(row)!.Value,
        _ => throw new ArgumentException($"not an integer array: {array.GetType().Name}", nameof(array)),
    };

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10;
        }

        return result;
    }
}
