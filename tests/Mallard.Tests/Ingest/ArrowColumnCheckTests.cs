using System.Text;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Mallard.Api.Ingest;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Ingest;

/// <summary>
/// The decoder reads common Arrow types a whole column at a time; every check of the
/// value-by-value path still holds there, row by row, with the same error for the same record.
/// </summary>
public sealed class ArrowColumnCheckTests
{
    private static readonly DatasetDefinition Checked = ContractLoader.Parse("""
        version: 1
        datasets:
          checked:
            key: [id]
            partition_by: [id]
            partitions: 1
            columns:
              id:     { type: uuid }
              ts:     { type: timestamp, nullable: true }
              name:   { type: string, nullable: true }
              n32:    { type: int32, nullable: true }
              n64:    { type: int64 }
              score:  { type: float64, nullable: true }
              price:  { type: "decimal(6,2)", nullable: true }
              flag:   { type: bool, nullable: true }
              day:    { type: date, nullable: true }
        """, "checked.yaml").Datasets["checked"];

    [Fact]
    public void Decode_badValueInEachTypedColumn_isRefusedForItsRecordAndField_likeTheValueByValuePath()
    {
        const int rows = 6;
        var ids = Enumerable.Range(0, rows).Select(i => new Guid(i + 1, 0, 0, new byte[8])).ToArray();
        var body = StreamOf(rows,
            ("id", new FixedSizeBinaryType(16), Fixed(ids.SelectMany(g => g.ToByteArray(bigEndian: true)).ToArray(), rows, 16)),
            ("ts", new TimestampType(TimeUnit.Microsecond, "UTC"), Int64s(new TimestampType(TimeUnit.Microsecond, "UTC"), [0, 1, 300_000_000_000_000_000, 3, 4, 5])),
            ("name", StringType.Default, Utf8(["a", "b", "c", "d\0", null, "é"], invalidAt: 1)),
            ("n32", Int32Type.Default, new Int32Array.Builder().AppendRange([1, 2, 3, 4, 5, 6]).Build()),
            ("n64", Int64Type.Default, new Int64Array.Builder().Append(1).AppendNull().Append(3).Append(4).Append(5).Append(6).Build()),
            ("score", DoubleType.Default, new DoubleArray.Builder().AppendRange([0.5, 1, 2, 3, double.NaN, 5]).Build()),
            ("price", new Decimal128Type(6, 2), new Decimal128Array.Builder(new Decimal128Type(6, 2)).Append(1.25m).Append(-9999.99m).Append(0m).Append(10000m).Append(7m).AppendNull().Build()),
            ("flag", BooleanType.Default, new BooleanArray.Builder().Append(true).Append(false).AppendNull().Append(true).Append(false).Append(true).Build()),
            ("day", Date32Type.Default, Int32s(Date32Type.Default, [0, 1, 2, 3, 4, 5_000_000])));

        var decoded = new ArrowRecordDecoder(Checked, 1_000, 100, 64).Decode(body);

        var errors = decoded.Errors.Select(e => (e.Index, e.Field, e.Code)).ToList();
        Assert.Equal(
            [
                (1, "name", RecordErrorCodes.InvalidString),
                (1, "n64", RecordErrorCodes.NullNotAllowed),
                (2, "ts", RecordErrorCodes.OutOfRange),
                (3, "name", RecordErrorCodes.InvalidString),
                (3, "price", RecordErrorCodes.OutOfRange),
                (4, "score", RecordErrorCodes.OutOfRange),
                (5, "day", RecordErrorCodes.OutOfRange),
            ],
            errors);
    }

    [Fact]
    public void Decode_typedColumnsWithNulls_keepEveryValueAndEveryNullInPlace()
    {
        const int rows = 4;
        var ids = Enumerable.Range(0, rows).Select(i => new Guid(i + 1, 2, 3, [4, 5, 6, 7, 8, 9, 10, 11])).ToArray();
        var body = StreamOf(rows,
            ("id", new FixedSizeBinaryType(16), Fixed(ids.SelectMany(g => g.ToByteArray(bigEndian: true)).ToArray(), rows, 16)),
            ("ts", new TimestampType(TimeUnit.Microsecond, "UTC"), Int64s(new TimestampType(TimeUnit.Microsecond, "UTC"), [1_767_225_600_000_000, 2, 3, 4], nullAt: 1)),
            ("name", StringType.Default, Utf8(["ä", null, "", "x"])),
            ("n32", Int32Type.Default, new Int32Array.Builder().Append(-7).AppendNull().Append(int.MaxValue).Append(0).Build()),
            ("n64", Int64Type.Default, new Int64Array.Builder().AppendRange([long.MinValue, 1, long.MaxValue, 0]).Build()),
            ("score", DoubleType.Default, new DoubleArray.Builder().Append(0.1).Append(-2.5).AppendNull().Append(1e300).Build()),
            ("price", new Decimal128Type(6, 2), new Decimal128Array.Builder(new Decimal128Type(6, 2)).Append(-0.01m).Append(9999.99m).AppendNull().Append(0m).Build()),
            ("flag", BooleanType.Default, new BooleanArray.Builder().Append(false).Append(true).Append(true).AppendNull().Build()),
            ("day", Date32Type.Default, Int32s(Date32Type.Default, [-719_162, 2_932_896, 0, 20_454], nullAt: 2)));

        var decoded = new ArrowRecordDecoder(Checked, 1_000, 100, 64).Decode(body);

        Assert.Empty(decoded.Errors);
        var columns = decoded.Columns;
        Assert.Equal(ids, Enumerable.Range(0, rows).Select(r => (Guid)columns[0].GetValue(r)!));
        Assert.Equal([1_767_225_600_000_000L, null, 3L, 4L], Enumerable.Range(0, rows).Select(r => columns[1].GetValue(r)));
        Assert.Equal(["ä", null, "", "x"], Enumerable.Range(0, rows).Select(r => columns[2].GetValue(r)));
        Assert.Equal([-7, null, int.MaxValue, 0], Enumerable.Range(0, rows).Select(r => columns[3].GetValue(r)));
        Assert.Equal([long.MinValue, 1L, long.MaxValue, 0L], Enumerable.Range(0, rows).Select(r => columns[4].GetValue(r)));
        Assert.Equal([0.1, -2.5, null, 1e300], Enumerable.Range(0, rows).Select(r => columns[5].GetValue(r)));
        Assert.Equal([-0.01m, 9999.99m, null, 0m], Enumerable.Range(0, rows).Select(r => columns[6].GetValue(r)));
        Assert.Equal([false, true, true, null], Enumerable.Range(0, rows).Select(r => columns[7].GetValue(r)));
        Assert.Equal([-719_162, 2_932_896, null, 20_454], Enumerable.Range(0, rows).Select(r => columns[8].GetValue(r)));
    }

    private static byte[] StreamOf(int rows, params (string Name, IArrowType Type, IArrowArray Array)[] columns)
    {
        var schema = new Schema(columns.Select(c => new Field(c.Name, c.Type, nullable: true)).ToList(), null);
        using var output = new MemoryStream();
        using (var writer = new ArrowStreamWriter(output, schema))
        {
            writer.WriteRecordBatch(new Apache.Arrow.RecordBatch(schema, columns.Select(c => c.Array), rows));
            writer.WriteEnd();
        }

        return output.ToArray();
    }

    private static FixedSizeBinaryArray Fixed(byte[] bytes, int rows, int width) =>
        new(new ArrayData(new FixedSizeBinaryType(width), rows, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)]));

    private static TimestampArray Int64s(TimestampType type, long[] values, int? nullAt = null) =>
        new(new ArrayData(type, values.Length, nullAt is null ? 0 : 1, 0, [Validity(values.Length, nullAt), new ArrowBuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]));

    private static Date32Array Int32s(Date32Type type, int[] values, int? nullAt = null) =>
        new(new ArrayData(type, values.Length, nullAt is null ? 0 : 1, 0, [Validity(values.Length, nullAt), new ArrowBuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]));

    private static ArrowBuffer Validity(int rows, int? nullAt)
    {
        if (nullAt is not { } at)
        {
            return ArrowBuffer.Empty;
        }

        var bits = new byte[(rows + 7) / 8];
        for (var row = 0; row < rows; row++)
        {
            BitUtility.SetBit(bits, row, row != at);
        }

        return new ArrowBuffer(bits);
    }

    // A utf8 column from raw bytes, so that a value can be invalid UTF-8 (a lone continuation byte).
    private static StringArray Utf8(string?[] values, int? invalidAt = null)
    {
        var offsets = new List<int> { 0 };
        var data = new List<byte>();
        var nullCount = 0;
        var validity = new byte[(values.Length + 7) / 8];
        for (var row = 0; row < values.Length; row++)
        {
            if (values[row] is { } value)
            {
                data.AddRange(row == invalidAt ? [0x80] : Encoding.UTF8.GetBytes(value));
                BitUtility.SetBit(validity, row, true);
            }
            else
            {
                nullCount++;
            }

            offsets.Add(data.Count);
        }

        return new StringArray(new ArrayData(StringType.Default, values.Length, nullCount, 0,
            [nullCount == 0 ? ArrowBuffer.Empty : new ArrowBuffer(validity), new ArrowBuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(offsets.ToArray().AsSpan()).ToArray()), new ArrowBuffer(data.ToArray())]));
    }
}
