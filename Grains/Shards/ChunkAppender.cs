using System.Buffers;
using System.Buffers.Binary;
using System.Reflection;
using System.Text;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Grains.Shards;

/// <summary>
/// Appends a batch's column vectors to a DuckDB table a column at a time: each vector's values are
/// copied into DuckDB's data chunks (2,048 rows each) with one copy per column, where DuckDB.NET's
/// row appender makes a typed call per value. Fixed-width columns are already in DuckDB's layout
/// (timestamps as microseconds, dates as days since 1970); decimals are scaled to DuckDB's integer
/// of their width, UUIDs to its flipped 128-bit form. What DuckDB refuses (a constraint, memory)
/// is raised as a <see cref="DuckDBException"/> when the chunk is appended or flushed, as the row
/// appender raises it. Rows become visible in the transaction when the appender is flushed.
/// </summary>
internal sealed unsafe class ChunkAppender : IDisposable
{
    // Every caller of a shard handles DuckDB.NET's exception (a constraint, memory, storage), but
    // its constructors are internal: the appender's errors go through the one that takes DuckDB's
    // message and error type, found once (the package version is pinned; a test appends past a
    // constraint and reads the error back).
    private static readonly ConstructorInfo ExceptionWithType =
        typeof(DuckDBException).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(string), typeof(DuckDBErrorType)])
        ?? throw new InvalidOperationException("DuckDB.NET's DuckDBException(string, DuckDBErrorType) constructor was not found");

    private readonly DuckDB.NET.Native.DuckDBAppender _appender;
    private readonly DuckDBDataChunk _chunk;
    private readonly PhysicalColumn[] _columns;
    private readonly int _capacity;
    private bool _disposed;

    private ChunkAppender(DuckDB.NET.Native.DuckDBAppender appender, DuckDBDataChunk chunk, PhysicalColumn[] columns)
    {
        _appender = appender;
        _chunk = chunk;
        _columns = columns;
        _capacity = (int)NativeMethods.Helpers.DuckDBVectorSize();
    }

    /// <summary>Opens an appender on <paramref name="table"/> whose physical columns hold the contract columns <paramref name="contractOrdinalOfPhysical"/>.</summary>
    public static ChunkAppender Create(DuckDBConnection connection, string table, DatasetDefinition dataset, int[] contractOrdinalOfPhysical)
    {
        var state = NativeMethods.Appender.DuckDBAppenderCreate(connection.NativeConnection, null!, table, out var appender);
        if (state == DuckDBState.Error)
        {
            var error = Error(appender);
            appender.Dispose();
            throw error;
        }

        try
        {
            var count = (int)NativeMethods.Appender.DuckDBAppenderColumnCount(appender);
            if (count != contractOrdinalOfPhysical.Length)
            {
                throw new InvalidOperationException($"table {table} has {count} columns; the shard expects {contractOrdinalOfPhysical.Length}");
            }

            var types = new DuckDBLogicalType[count];
            var columns = new PhysicalColumn[count];
            try
            {
                for (var c = 0; c < count; c++)
                {
                    types[c] = NativeMethods.Appender.DuckDBAppenderColumnType(appender, (ulong)c);
                    columns[c] = PhysicalColumn.Of(types[c], dataset.Columns[contractOrdinalOfPhysical[c]], table);
                }

                var chunk = NativeMethods.DataChunks.DuckDBCreateDataChunk(types.Select(t => t.DangerousGetHandle()).ToArray(), (ulong)count);
                return new ChunkAppender(appender, chunk, columns);
            }
            finally
            {
                foreach (var type in types)
                {
                    type?.Dispose();
                }
            }
        }
        catch
        {
            appender.Dispose();
            throw;
        }
    }

    /// <summary>Appends the rows <paramref name="rows"/> of <paramref name="batch"/>, in that order.</summary>
    public void Append(RecordBatch batch, List<int> rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (var start = 0; start < rows.Count; start += _capacity)
        {
            var length = Math.Min(_capacity, rows.Count - start);
            var slice = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows).Slice(start, length);
            for (var c = 0; c < _columns.Length; c++)
            {
                var vector = NativeMethods.DataChunks.DuckDBDataChunkGetVector(_chunk, c);
                Fill(vector, _columns[c], batch.Columns[_columns[c].ContractOrdinal], slice);
            }

            NativeMethods.DataChunks.DuckDBDataChunkSetSize(_chunk, (ulong)length);
            var state = NativeMethods.Appender.DuckDBAppendDataChunk(_appender, _chunk);
            NativeMethods.DataChunks.DuckDBDataChunkReset(_chunk);
            if (state == DuckDBState.Error)
            {
                throw Error(_appender);
            }
        }
    }

    /// <summary>Writes the appended rows into the transaction.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (NativeMethods.Appender.DuckDBAppenderFlush(_appender) == DuckDBState.Error)
        {
            throw Error(_appender);
        }
    }

    /// <summary>Releases the appender without flushing (rows not flushed are dropped).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _chunk.Dispose();
        NativeMethods.Appender.DuckDBAppenderClear(_appender);
        _appender.Dispose();
    }

    private static DuckDBException Error(DuckDB.NET.Native.DuckDBAppender appender)
    {
        using var error = NativeMethods.Appender.DuckDBAppenderErrorData(appender);
        var message = NativeMethods.ErrorData.DuckDBErrorDataMessage(error) ?? "the appender failed without a message";
        return (DuckDBException)ExceptionWithType.Invoke([message, NativeMethods.ErrorData.DuckDBErrorDataErrorType(error)]);
    }

    private static void Fill(IntPtr vector, PhysicalColumn column, ColumnVector values, ReadOnlySpan<int> rows)
    {
        var data = NativeMethods.Vectors.DuckDBVectorGetData(vector);
        if (values.Nulls is { } nulls)
        {
            NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(vector);
            var validity = NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
            for (var i = 0; i < rows.Length; i++)
            {
                if (nulls[rows[i]])
                {
                    validity[i >> 6] &= ~(1UL << (i & 63));
                }
            }
        }

        switch (values.Kind)
        {
            case ColumnKind.Bool: Gather<bool>(data, values.Bools!, rows); break;
            case ColumnKind.Int32 or ColumnKind.Date: Gather<int>(data, values.Int32s!, rows); break;
            case ColumnKind.Int64 or ColumnKind.Timestamp: Gather<long>(data, values.Int64s!, rows); break;
            case ColumnKind.Float64: Gather<double>(data, values.Float64s!, rows); break;
            case ColumnKind.Decimal: FillDecimals(data, column, values.Decimals!, rows); break;
            case ColumnKind.Uuid: FillUuids((ulong*)data, values.Uuids!, rows); break;
            case ColumnKind.String when values.Utf8 is { } utf8: FillUtf8(vector, utf8, values.Utf8Offsets!, values.Nulls, rows); break;
            case ColumnKind.String: FillStrings(vector, values.Strings!, rows); break;
            default: throw new InvalidOperationException($"unknown column kind {values.Kind}");
        }
    }

    // A null's slot is written too (with whatever its array holds): the validity mask hides it.
    private static void Gather<T>(void* data, T[] values, ReadOnlySpan<int> rows)
        where T : unmanaged
    {
        var target = new Span<T>(data, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            target[i] = values[rows[i]];
        }
    }

    private static void FillDecimals(void* data, PhysicalColumn column, decimal[] values, ReadOnlySpan<int> rows)
    {
        var factor = column.DecimalFactor;
        for (var i = 0; i < rows.Length; i++)
        {
            var scaled = values[rows[i]] * factor;
            if (scaled != decimal.Truncate(scaled))
            {
                throw new InvalidOperationException($"decimal {values[rows[i]]} has more than {column.DecimalScale} fractional digits");
            }

            switch (column.DecimalStorage)
            {
                case DuckDBType.SmallInt: ((short*)data)[i] = (short)scaled; break;
                case DuckDBType.Integer: ((int*)data)[i] = (int)scaled; break;
                case DuckDBType.BigInt: ((long*)data)[i] = (long)scaled; break;
                default: ((Int128*)data)[i] = (Int128)scaled; break;
            }
        }
    }

    // DuckDB keeps a UUID as a 128-bit integer of its big-endian bytes, the top bit flipped so that
    // signed order is the UUID's order: the low 64 bits first, then the high 64.
    private static void FillUuids(ulong* data, Guid[] values, ReadOnlySpan<int> rows)
    {
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < rows.Length; i++)
        {
            values[rows[i]].TryWriteBytes(bytes, bigEndian: true, out _);
            data[2 * i] = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
            data[(2 * i) + 1] = BinaryPrimitives.ReadUInt64BigEndian(bytes) ^ (1UL << 63);
        }
    }

    private static void FillUtf8(IntPtr vector, byte[] utf8, int[] offsets, bool[]? nulls, ReadOnlySpan<int> rows)
    {
        fixed (byte* bytes = utf8)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                var row = rows[i];
                if (nulls is null || !nulls[row])
                {
                    NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(vector, (ulong)i, bytes + offsets[row], offsets[row + 1] - offsets[row]);
                }
            }
        }
    }

    private static void FillStrings(IntPtr vector, string?[] values, ReadOnlySpan<int> rows)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            for (var i = 0; i < rows.Length; i++)
            {
                if (values[rows[i]] is not { } text)
                {
                    continue;
                }

                var length = Encoding.UTF8.GetMaxByteCount(text.Length);
                if (length > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(length);
                }

                var written = Encoding.UTF8.GetBytes(text, buffer);
                fixed (byte* bytes = buffer)
                {
                    NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(vector, (ulong)i, bytes, written);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A physical column of the table and the contract column it holds, checked against each other
    // once, when the appender opens: a mismatch would write bytes of the wrong width.
    private readonly record struct PhysicalColumn(int ContractOrdinal, DuckDBType DecimalStorage, int DecimalScale, decimal DecimalFactor)
    {
        public static PhysicalColumn Of(DuckDBLogicalType type, ColumnDefinition column, string table)
        {
            var id = NativeMethods.LogicalType.DuckDBGetTypeId(type);
            var expected = column.Type.Kind switch
            {
                ColumnKind.String => DuckDBType.Varchar,
                ColumnKind.Bool => DuckDBType.Boolean,
                ColumnKind.Int32 => DuckDBType.Integer,
                ColumnKind.Int64 => DuckDBType.BigInt,
                ColumnKind.Float64 => DuckDBType.Double,
                ColumnKind.Decimal => DuckDBType.Decimal,
                ColumnKind.Timestamp => DuckDBType.Timestamp,
                ColumnKind.Date => DuckDBType.Date,
                ColumnKind.Uuid => DuckDBType.Uuid,
                _ => throw new InvalidOperationException($"unknown column kind {column.Type.Kind}"),
            };
            if (id != expected)
            {
                throw new InvalidOperationException($"column '{column.Name}' of {table} is {id} in DuckDB; the contract's {column.Type} needs {expected}");
            }

            if (id != DuckDBType.Decimal)
            {
                return new PhysicalColumn(column.Ordinal, DuckDBType.Invalid, 0, 1m);
            }

            var scale = NativeMethods.LogicalType.DuckDBDecimalScale(type);
            if (scale != column.Type.Scale)
            {
                throw new InvalidOperationException($"column '{column.Name}' of {table} has scale {scale} in DuckDB; the contract says {column.Type.Scale}");
            }

            var factor = 1m;
            for (var s = 0; s < scale; s++)
            {
                factor *= 10;
            }

            return new PhysicalColumn(column.Ordinal, NativeMethods.LogicalType.DuckDBDecimalInternalType(type), scale, factor);
        }
    }
}
