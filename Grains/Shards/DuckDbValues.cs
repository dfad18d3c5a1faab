using System.Data.Common;
using DuckDB.NET.Data;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>Reads contract values from DuckDB into column vectors, with each value's exact .NET type (appending: <see cref="ChunkAppender"/>).</summary>
internal static class DuckDbValues
{
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
