using System.Text.Json;
using Mallard.Contract;

namespace Mallard.Api.Encoding;

/// <summary>Writes typed values in the contract's JSON encoding (int64 and decimals as strings, and so on).</summary>
public static class ValueJsonWriter
{
    /// <summary>Writes one boxed value of <paramref name="type"/>.</summary>
    public static void Write(Utf8JsonWriter writer, ColumnType type, object? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        switch (type.Kind)
        {
            case ColumnKind.String: writer.WriteStringValue((string)value); break;
            case ColumnKind.Bool: writer.WriteBooleanValue((bool)value); break;
            case ColumnKind.Int32: writer.WriteNumberValue((int)value); break;
            case ColumnKind.Int64: writer.WriteStringValue(ValueText.FormatInt64((long)value)); break;
            case ColumnKind.Float64: writer.WriteNumberValue((double)value); break;
            case ColumnKind.Decimal: writer.WriteStringValue(ValueText.FormatDecimal((decimal)value, type.Scale)); break;
            case ColumnKind.Timestamp: writer.WriteStringValue(ValueText.FormatTimestamp((long)value)); break;
            case ColumnKind.Date: writer.WriteStringValue(ValueText.FormatDate((int)value)); break;
            case ColumnKind.Uuid: writer.WriteStringValue(ValueText.FormatUuid((Guid)value)); break;
            default: throw new InvalidOperationException($"unknown column kind {type.Kind}");
        }
    }
}
