using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// Decodes an Apache Arrow IPC stream (<c>application/vnd.apache.arrow.stream</c>) against one
/// dataset into the same column vectors as the JSON decoder. The stream's schema is checked
/// first, column by column (name, type, decimal scale, timestamp unit and zone); then every value,
/// with the same record errors and limits as JSON. Record indexes count rows across the stream's
/// record batches. docs/contract.md lists the Arrow type each contract type accepts.
/// </summary>
public sealed class ArrowRecordDecoder
{
    private readonly DatasetDefinition _dataset;
    private readonly int _maxRecords;
    private readonly int _maxReportedErrors;
    private readonly int _maxStringBytes;
    private readonly List<RecordError> _errors = [];
    private int _totalErrors;

    /// <summary>Creates a decoder for one body.</summary>
    public ArrowRecordDecoder(DatasetDefinition dataset, int maxRecords, int maxReportedErrors, int maxStringBytes)
    {
        _dataset = dataset;
        _maxRecords = maxRecords;
        _maxReportedErrors = maxReportedErrors;
        _maxStringBytes = maxStringBytes;
    }

    /// <summary>Decodes <paramref name="body"/>.</summary>
    public DecodedBatch Decode(ReadOnlyMemory<byte> body)
    {
        var records = 0;
        try
        {
            using var reader = new ArrowStreamReader(body);
            var schema = reader.Schema ?? throw new InvalidDataException("the stream has no schema message");
            var sources = MatchSchema(schema);
            if (_totalErrors > 0)
            {
                return Done(records, columns: null);
            }

            ColumnVectorBuilder[]? builders = null;
            while (reader.ReadNextRecordBatch() is { } batch)
            {
                using (batch)
                {
                    // Sized by the first record batch: most streams hold one.
                    builders ??= _dataset.Columns.Select(c => new ColumnVectorBuilder(c.Type.Kind, batch.Length)).ToArray();
                    if ((long)records + batch.Length > _maxRecords)
                    {
                        return new DecodedBatch { RecordCount = records + batch.Length, TooManyRecords = true };
                    }

                    var batchErrors = new List<(RecordError Error, int Ordinal)>();
                    foreach (var column in _dataset.Columns)
                    {
                        var builder = builders[column.Ordinal];
                        if (sources[column.Ordinal] is not { } source)
                        {
                            for (var row = 0; row < batch.Length; row++)
                            {
                                builder.AppendNull();
                            }

                            continue;
                        }

                        var array = batch.Column(source.Index);
                        if (array.Length != batch.Length)
                        {
                            // Columns of unequal length would shift values between records.
                            throw new InvalidDataException($"column '{column.Name}' holds {array.Length} values in a record batch of {batch.Length} rows");
                        }

                        AppendColumn(column, source.Type, array, records, builder, batchErrors);
                    }

                    // Columns are read one at a time; errors are reported in record order, as for JSON.
                    foreach (var (error, _) in batchErrors.OrderBy(e => e.Error.Index).ThenBy(e => e.Ordinal).Take(_maxReportedErrors - _errors.Count))
                    {
                        _errors.Add(error);
                    }

                    records += batch.Length;
                }
            }

            return Done(records, _totalErrors == 0 ? builders ?? _dataset.Columns.Select(c => new ColumnVectorBuilder(c.Type.Kind)).ToArray() : null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Apache.Arrow reports a truncated or inconsistent stream with many exception types,
            // plain System.Exception among them (a corrupt field's bit width), and reading values
            // through corrupt offsets throws out-of-range errors: all of it is the body's fault.
            return new DecodedBatch { RecordCount = records, MalformedBody = $"the body is not a readable Arrow IPC stream: {DisplayText.FirstLine(e.Message)}" };
        }
    }

    private DecodedBatch Done(int records, ColumnVectorBuilder[]? columns) => new()
    {
        RecordCount = records,
        Columns = columns?.Select(b => b.Build()).ToArray() ?? [],
        Errors = _errors,
        TotalErrors = _totalErrors,
    };

    // Which stream column feeds each contract column; schema errors are reported without an index.
    private (int Index, IArrowType Type)?[] MatchSchema(Schema schema)
    {
        var sources = new (int Index, IArrowType Type)?[_dataset.Columns.Count];
        for (var index = 0; index < schema.FieldsList.Count; index++)
        {
            var field = schema.FieldsList[index];
            if (!_dataset.TryGetColumn(field.Name, out var column))
            {
                var unknown = DisplayText.Shorten(field.Name);
                AddError(null, unknown, RecordErrorCodes.UnknownField, $"the stream's column '{unknown}' is not a column of '{_dataset.Name}'");
                continue;
            }

            if (sources[column.Ordinal] is not null)
            {
                AddError(null, column.Name, RecordErrorCodes.DuplicateField, $"the stream has more than one column '{column.Name}'");
                continue;
            }

            if (SchemaProblem(column, field.DataType) is { } problem)
            {
                AddError(null, column.Name, RecordErrorCodes.WrongType, $"'{column.Name}' is {column.Type} in the contract; the stream's {Describe(field.DataType)} {problem}");
                continue;
            }

            sources[column.Ordinal] = (index, field.DataType);
        }

        foreach (var column in _dataset.Columns.Where(c => sources[c.Ordinal] is null && !c.Nullable))
        {
            if (!_errors.Any(e => e.Field == column.Name))
            {
                AddError(null, column.Name, RecordErrorCodes.Missing, $"the stream has no column '{column.Name}', which is required ({column.Type})");
            }
        }

        return sources;
    }

    /// <summary>Null when a stream column of <paramref name="type"/> can feed <paramref name="column"/>, else why not.</summary>
    private static string? SchemaProblem(ColumnDefinition column, IArrowType type) => column.Type.Kind switch
    {
        ColumnKind.String => type.TypeId is ArrowTypeId.String or ArrowTypeId.LargeString or ArrowTypeId.StringView ? null : "is not a UTF-8 string type (utf8, large_utf8, utf8_view)",
        ColumnKind.Bool => type.TypeId == ArrowTypeId.Boolean ? null : "is not bool",
        ColumnKind.Int32 => type.TypeId is ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.UInt8 or ArrowTypeId.UInt16 ? null : "is not an integer type that fits int32 (int8, int16, int32, uint8, uint16)",
        ColumnKind.Int64 => type.TypeId is ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64 or ArrowTypeId.UInt8 or ArrowTypeId.UInt16 or ArrowTypeId.UInt32 or ArrowTypeId.UInt64 ? null : "is not an integer type",
        ColumnKind.Float64 => type.TypeId is ArrowTypeId.Double or ArrowTypeId.Float ? null : "is not float64 or float32",
        ColumnKind.Decimal => type switch
        {
            Decimal128Type d when d.Scale == column.Type.Scale => null,
            Decimal256Type d when d.Scale == column.Type.Scale => null,
            Decimal128Type or Decimal256Type => $"has a different scale; cast it to scale {column.Type.Scale}",
            _ => $"is not a decimal type (decimal128 or decimal256 with scale {column.Type.Scale})",
        },
        ColumnKind.Timestamp => type switch
        {
            TimestampType { Timezone: "UTC" or "Etc/UTC" or "+00:00" or "Z" } => null,
            TimestampType { Timezone: null or "" } => "has no time zone; Mallard stores instants: set its zone to UTC",
            TimestampType => "is not in UTC; convert it to UTC",
            _ => "is not a timestamp type",
        },
        ColumnKind.Date => type.TypeId is ArrowTypeId.Date32 or ArrowTypeId.Date64 ? null : "is not date32 or date64",
        ColumnKind.Uuid => type switch
        {
            FixedSizeBinaryType { ByteWidth: 16 } => null,
            _ when type.TypeId is ArrowTypeId.String or ArrowTypeId.LargeString or ArrowTypeId.StringView => null,
            _ => "is neither fixed_size_binary(16) (the arrow.uuid extension's storage) nor a string",
        },
        _ => "is not supported",
    };

    private static string Describe(IArrowType type) => type switch
    {
        TimestampType t => $"timestamp[{t.Unit}, {(string.IsNullOrEmpty(t.Timezone) ? "no zone" : t.Timezone)}]",
        Decimal128Type d => $"decimal128({d.Precision}, {d.Scale})",
        Decimal256Type d => $"decimal256({d.Precision}, {d.Scale})",
        FixedSizeBinaryType f => $"fixed_size_binary({f.ByteWidth})",
        _ => type.Name,
    };

    // A column keeps at most as many errors as can be reported; every error is counted.
    private void AppendColumn(ColumnDefinition column, IArrowType type, IArrowArray array, int first, ColumnVectorBuilder builder, List<(RecordError, int)> errors)
    {
        var kept = 0;
        void Refuse(int index, string code, string message)
        {
            _totalErrors++;
            if (kept++ < _maxReportedErrors)
            {
                errors.Add((new RecordError(index, column.Name, code, message), column.Ordinal));
            }
        }

        void AppendOne(int row)
        {
            var index = first + row;
            if (array.IsNull(row))
            {
                if (!column.Nullable)
                {
                    Refuse(index, RecordErrorCodes.NullNotAllowed, $"'{column.Name}' is required ({column.Type}) and cannot be null");
                }

                builder.AppendNull();
                return;
            }

            if (ArrowValues.TryAppend(column, type, array, row, builder, _maxStringBytes) is { } error)
            {
                Refuse(index, error.Code, $"'{column.Name}': {error.Message}");
                builder.AppendNull();
            }
        }

        if (ArrowColumns.TryAppend(column, type, array, builder, _maxStringBytes, AppendOne))
        {
            return;
        }

        for (var row = 0; row < array.Length; row++)
        {
            AppendOne(row);
        }
    }

    private void AddError(int? index, string field, string code, string message)
    {
        _totalErrors++;
        if (_errors.Count < _maxReportedErrors)
        {
            _errors.Add(new RecordError(index, field, code, message));
        }
    }
}
