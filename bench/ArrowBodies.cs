using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Mallard.Api.Ingest;
using Mallard.Contract;
using Mallard.Partitions;
using RecordBatch = Apache.Arrow.RecordBatch;

namespace Mallard.Bench;

/// <summary>
/// The benchmark's rows as Arrow IPC streams, as a pyarrow or polars client sends them: the NDJSON
/// template decoded once, then written as one record batch per body with fresh event ids.
/// </summary>
internal sealed class ArrowBodies
{
    private readonly DatasetDefinition _dataset;
    private readonly ColumnVector[] _columns;

    public ArrowBodies(IngestBenchmark.PayloadTemplate template)
    {
        var contract = ContractLoader.LoadFile(Path.Combine(IngestBenchmark.FindRoot(), "schema.yaml"));
        _dataset = contract.Datasets["page_views"];
        var decoded = new RecordDecoder(_dataset, 1_000_000, 10).Decode(template.Next(), BodyFormat.NdJson);
        _columns = decoded.TotalErrors == 0 && decoded.MalformedBody is null ? decoded.Columns : throw new InvalidOperationException("the template does not decode");
        Rows = decoded.RecordCount;
    }

    public int Rows { get; }

    /// <summary>A stream of the template's rows with new event ids.</summary>
    public byte[] Next()
    {
        var fields = new List<Field>();
        var arrays = new List<IArrowArray>();
        foreach (var column in _dataset.Columns)
        {
            var (type, array) = Column(column, _columns[column.Ordinal]);
            fields.Add(new Field(column.Name, type, column.Nullable));
            arrays.Add(array);
        }

        var schema = new Schema(fields, null);
        using var output = new MemoryStream(Rows * 100);
        using (var writer = new ArrowStreamWriter(output, schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(new RecordBatch(schema, arrays, Rows));
            writer.WriteEnd();
        }

        return output.ToArray();
    }

    private (IArrowType, IArrowArray) Column(ColumnDefinition column, ColumnVector values)
    {
        var n = values.Count;
        switch (column.Type.Kind)
        {
            case ColumnKind.Uuid:
            {
                var bytes = new byte[n * 16];
                for (var row = 0; row < n; row++)
                {
                    Guid.NewGuid().TryWriteBytes(bytes.AsSpan(row * 16), bigEndian: true, out _);
                }

                var type = new FixedSizeBinaryType(16);
                return (type, new FixedSizeBinaryArray(new ArrayData(type, n, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(bytes)])));
            }

            case ColumnKind.String:
            {
                var builder = new StringArray.Builder();
                for (var row = 0; row < n; row++)
                {
                    if (values.IsNull(row))
                    {
                        builder.AppendNull();
                    }
                    else
                    {
                        builder.Append(values.GetString(row));
                    }
                }

                return (StringType.Default, builder.Build());
            }

            case ColumnKind.Timestamp:
            {
                var type = new TimestampType(TimeUnit.Microsecond, "UTC");
                return (type, new TimestampArray(new ArrayData(type, n, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.Int64s.AsSpan()).ToArray())])));
            }

            case ColumnKind.Int32:
                return (Int32Type.Default, new Int32Array.Builder().AppendRange(values.Int32s!).Build());
            case ColumnKind.Int64:
                return (Int64Type.Default, new Int64Array.Builder().AppendRange(values.Int64s!).Build());
            case ColumnKind.Bool:
                return (BooleanType.Default, new BooleanArray.Builder().AppendRange(values.Bools!).Build());
            case ColumnKind.Float64:
            {
                var builder = new DoubleArray.Builder();
                for (var row = 0; row < n; row++)
                {
                    if (values.IsNull(row))
                    {
                        builder.AppendNull();
                    }
                    else
                    {
                        builder.Append(values.Float64s![row]);
                    }
                }

                return (DoubleType.Default, builder.Build());
            }

            case ColumnKind.Decimal:
            {
                var type = new Decimal128Type(column.Type.Precision, column.Type.Scale);
                var builder = new Decimal128Array.Builder(type);
                for (var row = 0; row < n; row++)
                {
                    if (values.IsNull(row))
                    {
                        builder.AppendNull();
                    }
                    else
                    {
                        builder.Append(values.Decimals![row]);
                    }
                }

                return (type, builder.Build());
            }

            case ColumnKind.Date:
                return (Date32Type.Default, new Date32Array(new ArrayData(Date32Type.Default, n, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.Int32s.AsSpan()).ToArray())])));
            default:
                throw new ArgumentOutOfRangeException(nameof(column), column.Type.Kind, null);
        }
    }
}
