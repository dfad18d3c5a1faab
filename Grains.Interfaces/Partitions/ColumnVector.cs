using Mallard.Contract;

namespace Mallard.Partitions;

/// <summary>
/// One column of values in a compact, unboxed layout: exactly one typed array is set, chosen by
/// <see cref="Kind"/>. Timestamps are microseconds since the Unix epoch in <see cref="Int64s"/>,
/// dates are days since the Unix epoch in <see cref="Int32s"/>. Strings are either .NET strings in
/// <see cref="Strings"/> or, as decoded from a request body, UTF-8 bytes in <see cref="Utf8"/>: a
/// batch's text then travels from the body to DuckDB as bytes, one array per column, never one
/// object per value. <see cref="Nulls"/> is null when no value is null. A vector is never mutated
/// after it is handed to a grain call. Orleans writes it with <see cref="ColumnVectorCodec"/>.
/// </summary>
[Immutable, Alias("mallard.ColumnVector")]
public sealed class ColumnVector
{
    /// <summary>The kind of value; selects which array holds the values.</summary>
    public ColumnKind Kind { get; init; }

    /// <summary>Number of values.</summary>
    public int Count { get; init; }

    /// <summary><c>true</c> where the value is null; null when none is.</summary>
    public bool[]? Nulls { get; init; }

    /// <summary>Values of <see cref="ColumnKind.String"/> columns as .NET strings (null when <see cref="Utf8"/> holds them).</summary>
    public string?[]? Strings { get; init; }

    /// <summary>Values of <see cref="ColumnKind.Bool"/> columns.</summary>
    public bool[]? Bools { get; init; }

    /// <summary>Values of <see cref="ColumnKind.Int32"/> and <see cref="ColumnKind.Date"/> columns.</summary>
    public int[]? Int32s { get; init; }

    /// <summary>Values of <see cref="ColumnKind.Int64"/> and <see cref="ColumnKind.Timestamp"/> columns.</summary>
    public long[]? Int64s { get; init; }

    /// <summary>Values of <see cref="ColumnKind.Float64"/> columns.</summary>
    public double[]? Float64s { get; init; }

    /// <summary>Values of <see cref="ColumnKind.Decimal"/> columns.</summary>
    public decimal[]? Decimals { get; init; }

    /// <summary>Values of <see cref="ColumnKind.Uuid"/> columns.</summary>
    public Guid[]? Uuids { get; init; }

    /// <summary>
    /// Values of <see cref="ColumnKind.String"/> columns as UTF-8, end to end: value <c>i</c> is
    /// <c>Utf8[Utf8Offsets[i]..Utf8Offsets[i + 1]]</c> (a null value is empty). Always valid UTF-8.
    /// </summary>
    public byte[]? Utf8 { get; init; }

    /// <summary><see cref="Count"/> + 1 offsets into <see cref="Utf8"/>.</summary>
    public int[]? Utf8Offsets { get; init; }

    /// <summary>Whether the value at <paramref name="row"/> is null.</summary>
    public bool IsNull(int row) => Nulls is { } nulls && nulls[row];

    /// <summary>The value at <paramref name="row"/>, boxed; for tests, diagnostics and small results only.</summary>
    public object? GetValue(int row)
    {
        if (IsNull(row))
        {
            return null;
        }

        return Kind switch
        {
            ColumnKind.String => GetString(row),
            ColumnKind.Bool => Bools![row],
            ColumnKind.Int32 or ColumnKind.Date => Int32s![row],
            ColumnKind.Int64 or ColumnKind.Timestamp => Int64s![row],
            ColumnKind.Float64 => Float64s![row],
            ColumnKind.Decimal => Decimals![row],
            ColumnKind.Uuid => Uuids![row],
            _ => throw new InvalidOperationException($"unknown column kind {Kind}"),
        };
    }

    /// <summary>The non-null string at <paramref name="row"/> of a <see cref="ColumnKind.String"/> vector.</summary>
    public string GetString(int row) => Strings is { } strings ? strings[row]! : System.Text.Encoding.UTF8.GetString(GetUtf8(row));

    /// <summary>The UTF-8 bytes of the string at <paramref name="row"/>; only for a vector that holds <see cref="Utf8"/>.</summary>
    public ReadOnlySpan<byte> GetUtf8(int row) => Utf8.AsSpan(Utf8Offsets![row], Utf8Offsets[row + 1] - Utf8Offsets[row]);

    /// <summary>Copies the rows named by <paramref name="rows"/> into a new vector.</summary>
    public ColumnVector Gather(ReadOnlySpan<int> rows)
    {
        // One typed loop per array rather than a call per value: a batch is split per partition
        // this way on every request.
        var nulls = Nulls is { } sourceNulls ? Pick(sourceNulls, rows) : null;
        if (nulls is not null && Array.IndexOf(nulls, true) < 0)
        {
            nulls = null;
        }

        byte[]? utf8 = null;
        int[]? offsets = null;
        if (Utf8 is { } sourceUtf8 && Utf8Offsets is { } sourceOffsets)
        {
            offsets = new int[rows.Length + 1];
            for (var i = 0; i < rows.Length; i++)
            {
                offsets[i + 1] = offsets[i] + sourceOffsets[rows[i] + 1] - sourceOffsets[rows[i]];
            }

            utf8 = new byte[offsets[rows.Length]];
            for (var i = 0; i < rows.Length; i++)
            {
                var start = sourceOffsets[rows[i]];
                sourceUtf8.AsSpan(start, sourceOffsets[rows[i] + 1] - start).CopyTo(utf8.AsSpan(offsets[i]));
            }
        }

        return new ColumnVector
        {
            Kind = Kind,
            Count = rows.Length,
            Nulls = nulls,
            Strings = Strings is { } strings ? Pick(strings, rows) : null,
            Utf8 = utf8,
            Utf8Offsets = offsets,
            Bools = Bools is { } bools ? Pick(bools, rows) : null,
            Int32s = Int32s is { } int32s ? Pick(int32s, rows) : null,
            Int64s = Int64s is { } int64s ? Pick(int64s, rows) : null,
            Float64s = Float64s is { } float64s ? Pick(float64s, rows) : null,
            Decimals = Decimals is { } decimals ? Pick(decimals, rows) : null,
            Uuids = Uuids is { } uuids ? Pick(uuids, rows) : null,
        };
    }

    private static T[] Pick<T>(T[] source, ReadOnlySpan<int> rows)
    {
        var picked = new T[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            picked[i] = source[rows[i]];
        }

        return picked;
    }
}
