using System.Data.Common;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>Moves contract values between column vectors and DuckDB, with each value's exact .NET type.</summary>
internal static class DuckDbValues
{
    // Values are appended with their exact .NET type: an int literal would bind to a narrower
    // overload and write the wrong bytes.
    public static void Append(IDuckDBAppenderRow row, ColumnVector vector, int index)
    {
        if (vector.IsNull(index))
        {
            row.AppendNullValue();
            return;
        }

        switch (vector.Kind)
        {
            case ColumnKind.String when vector.Utf8 is { } utf8: row.AppendValue(utf8.AsSpan(vector.Utf8Offsets![index], vector.Utf8Offsets[index + 1] - vector.Utf8Offsets[index])); break;
            case ColumnKind.String: row.AppendValue(vector.Strings![index]); break;
            case ColumnKind.Bool: row.AppendValue((bool?)vector.Bools![index]); break;
            case ColumnKind.Int32: row.AppendValue((int?)vector.Int32s![index]); break;
            case ColumnKind.Int64: row.AppendValue((long?)vector.Int64s![index]); break;
            case ColumnKind.Float64: row.AppendValue((double?)vector.Float64s![index]); break;
            case ColumnKind.Decimal: row.AppendValue((decimal?)vector.Decimals![index]); break;
            case ColumnKind.Timestamp: row.AppendValue((DateTime?)ValueText.TimestampToDateTime(vector.Int64s![index])); break;
            case ColumnKind.Date: row.AppendValue((DateTime?)ValueText.DateToDateOnly(vector.Int32s![index]).ToDateTime(TimeOnly.MinValue)); break;
            case ColumnKind.Uuid: row.AppendValue((Guid?)vector.Uuids![index]); break;
            default: throw new InvalidOperationException($"unknown column kind {vector.Kind}");
        }
    }

    public static void Read(DbDataReader reader, int ordinal, ColumnVectorBuilder builder)
    {
        if (reader.IsDBNull(ordinal))
        {
            builder.AppendNull();
            return;
        }

        switch (builder.Kind)
        {
            case ColumnKind.String: builder.AppendString(reader.GetString(ordinal)); break;
            case ColumnKind.Bool: builder.AppendBool(reader.GetBoolean(ordinal)); break;
            case ColumnKind.Int32: builder.AppendInt32(reader.GetInt32(ordinal)); break;
            case ColumnKind.Int64: builder.AppendInt64(reader.GetInt64(ordinal)); break;
            case ColumnKind.Float64: builder.AppendFloat64(reader.GetDouble(ordinal)); break;
            case ColumnKind.Decimal: builder.AppendDecimal(reader.GetDecimal(ordinal)); break;
            case ColumnKind.Timestamp: builder.AppendInt64(ValueText.DateTimeToTimestamp(reader.GetDateTime(ordinal))); break;
            case ColumnKind.Date: builder.AppendInt32(ValueText.DateOnlyToDate(reader.GetFieldValue<DateOnly>(ordinal))); break;
            case ColumnKind.Uuid: builder.AppendUuid(reader.GetGuid(ordinal)); break;
            default: throw new InvalidOperationException($"unknown column kind {builder.Kind}");
        }
    }
}
