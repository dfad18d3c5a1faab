using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// Whole-column loops for the Arrow types that hold a contract type's values as they are
/// (int64, int32, UTC microsecond timestamps, float64, bool, utf8, date32, 16-byte UUIDs,
/// decimal128): the column's buffers are read once and each value is checked and appended
/// without a call per value through the array's interface. A null or a value that fails a check
/// goes to <c>general</c>, the value-by-value path of <see cref="ArrowValues"/>, so the errors
/// are the same word for word.
/// </summary>
internal static class ArrowColumns
{
    /// <summary>Appends every row of <paramref name="array"/>; false when no loop here fits the pair of types (nothing was appended).</summary>
    public static bool TryAppend(ColumnDefinition column, IArrowType type, IArrowArray array, ColumnVectorBuilder builder, int maxStringBytes, Action<int> general)
    {
        var nulls = array.NullCount > 0;
        switch (column.Type.Kind, array)
        {
            case (ColumnKind.Int64, Int64Array int64s):
            {
                var values = int64s.Values;
                for (var row = 0; row < values.Length; row++)
                {
                    if (nulls && int64s.IsNull(row))
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendInt64(values[row]);
                }

                return true;
            }

            case (ColumnKind.Int32, Int32Array int32s):
            {
                var values = int32s.Values;
                for (var row = 0; row < values.Length; row++)
                {
                    if (nulls && int32s.IsNull(row))
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendInt32(values[row]);
                }

                return true;
            }

            case (ColumnKind.Timestamp, TimestampArray timestamps) when ((TimestampType)type).Unit == TimeUnit.Microsecond:
            {
                var values = timestamps.Values;
                for (var row = 0; row < values.Length; row++)
                {
                    var micros = values[row];
                    if ((nulls && timestamps.IsNull(row)) || micros < ValueText.MinTimestampMicros || micros > ValueText.MaxTimestampMicros)
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendInt64(micros);
                }

                return true;
            }

            case (ColumnKind.Float64, DoubleArray doubles):
            {
                var values = doubles.Values;
                for (var row = 0; row < values.Length; row++)
                {
                    var value = values[row];
                    if ((nulls && doubles.IsNull(row)) || !double.IsFinite(value))
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendFloat64(value);
                }

                return true;
            }

            case (ColumnKind.Bool, BooleanArray bools):
            {
                for (var row = 0; row < bools.Length; row++)
                {
                    if (nulls && bools.IsNull(row))
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendBool(BitUtility.GetBit(bools.ValueBuffer.Span, bools.Offset + row));
                }

                return true;
            }

            case (ColumnKind.String, StringArray strings):
            {
                var offsets = strings.ValueOffsets;
                var data = strings.ValueBuffer.Span;
                for (var row = 0; row < strings.Length; row++)
                {
                    var bytes = data[offsets[row]..offsets[row + 1]];
                    if ((nulls && strings.IsNull(row)) || bytes.Length > maxStringBytes || bytes.Contains((byte)0) || !System.Text.Unicode.Utf8.IsValid(bytes))
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendUtf8(bytes);
                }

                return true;
            }

            case (ColumnKind.Date, Date32Array dates):
            {
                var values = dates.Values;
                for (var row = 0; row < values.Length; row++)
                {
                    var days = values[row];
                    if ((nulls && dates.IsNull(row)) || days < ArrowValues.MinDay || days > ArrowValues.MaxDay)
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendInt32(days);
                }

                return true;
            }

            case (ColumnKind.Uuid, FixedSizeBinaryArray binary):
            {
                var data = binary.ValueBuffer.Span;
                for (var row = 0; row < binary.Length; row++)
                {
                    if (nulls && binary.IsNull(row))
                    {
                        general(row);
                        continue;
                    }

                    // The arrow.uuid extension stores the 16 bytes in RFC 4122 (big-endian) order.
                    builder.AppendUuid(new Guid(data.Slice((binary.Offset + row) * 16, 16), bigEndian: true));
                }

                return true;
            }

            case (ColumnKind.Decimal, Decimal128Array decimals):
            {
                // Unscaled values below 10^precision fit the column and a .NET decimal (precision ≤ 28).
                if (column.Type.Precision > 28)
                {
                    return false;
                }

                var limit = (Int128)ValueText.Pow10(column.Type.Precision);
                var scale = column.Type.Scale;
                var data = decimals.ValueBuffer.Span;
                for (var row = 0; row < decimals.Length; row++)
                {
                    var unscaled = System.Buffers.Binary.BinaryPrimitives.ReadInt128LittleEndian(data.Slice((decimals.Offset + row) * 16, 16));
                    if ((nulls && decimals.IsNull(row)) || unscaled >= limit || unscaled <= -limit)
                    {
                        general(row);
                        continue;
                    }

                    builder.AppendDecimal(ValueText.DecimalOf((UInt128)(unscaled < 0 ? -unscaled : unscaled), unscaled < 0, scale));
                }

                return true;
            }

            default:
                return false;
        }
    }
}
