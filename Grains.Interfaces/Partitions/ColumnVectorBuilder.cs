using Mallard.Contract;

namespace Mallard.Partitions;

/// <summary>Accumulates values of one kind into a <see cref="ColumnVector"/> without boxing.</summary>
public sealed class ColumnVectorBuilder
{
    private bool[] _nulls;
    private bool _anyNull;
    // A string column holds .NET strings or UTF-8 bytes, whichever its first value came as; the
    // other form is converted on append (rare: decoders append one form only).
    private string?[]? _strings;
    private byte[]? _utf8;
    private int[]? _utf8Offsets;
    private bool[]? _bools;
    private int[]? _int32s;
    private long[]? _int64s;
    private double[]? _float64s;
    private decimal[]? _decimals;
    private Guid[]? _uuids;

    /// <summary>Creates a builder for values of <paramref name="kind"/>.</summary>
    public ColumnVectorBuilder(ColumnKind kind, int capacity = 16)
    {
        Kind = kind;
        capacity = Math.Max(capacity, 4);
        _nulls = new bool[capacity];
        switch (kind)
        {
            case ColumnKind.String: break;
            case ColumnKind.Bool: _bools = new bool[capacity]; break;
            case ColumnKind.Int32 or ColumnKind.Date: _int32s = new int[capacity]; break;
            case ColumnKind.Int64 or ColumnKind.Timestamp: _int64s = new long[capacity]; break;
            case ColumnKind.Float64: _float64s = new double[capacity]; break;
            case ColumnKind.Decimal: _decimals = new decimal[capacity]; break;
            case ColumnKind.Uuid: _uuids = new Guid[capacity]; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>The kind of value this builder holds.</summary>
    public ColumnKind Kind { get; }

    /// <summary>Number of values appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>Appends a null.</summary>
    public void AppendNull()
    {
        var row = Next();
        _nulls[row] = true;
        _anyNull = true;
        if (_utf8Offsets is { } offsets)
        {
            offsets[row + 1] = offsets[row];
        }
    }

    /// <summary>Appends a string value.</summary>
    public void AppendString(string value)
    {
        if (_utf8Offsets is not null)
        {
            AppendUtf8(System.Text.Encoding.UTF8.GetBytes(value));
            return;
        }

        // Next() may grow the arrays: take the index before reading the field.
        var row = Next();
        _strings ??= new string?[_nulls.Length];
        _strings[row] = value;
    }

    /// <summary>Appends a string value given as valid UTF-8 (the caller has checked it).</summary>
    public void AppendUtf8(ReadOnlySpan<byte> value)
    {
        if (_strings is not null)
        {
            AppendString(System.Text.Encoding.UTF8.GetString(value));
            return;
        }

        // Rows before the first value were nulls: their offsets are all 0.
        _utf8Offsets ??= new int[_nulls.Length + 1];
        _utf8 ??= new byte[Math.Max(value.Length, Math.Clamp(value.Length * _nulls.Length, 64, 1 << 20))];
        var row = Next();
        var start = _utf8Offsets[row];
        if (start + value.Length > _utf8.Length)
        {
            Array.Resize(ref _utf8, Math.Max(_utf8.Length * 2, start + value.Length));
        }

        value.CopyTo(_utf8.AsSpan(start));
        _utf8Offsets[row + 1] = start + value.Length;
    }

    /// <summary>Appends a bool value.</summary>
    public void AppendBool(bool value)
    {
        // Next() may grow the arrays: take the index before reading the field.
        var row = Next();
        _bools![row] = value;
    }

    /// <summary>Appends an int32 or date (days since epoch) value.</summary>
    public void AppendInt32(int value)
    {
        // Next() may grow the arrays: take the index before reading the field.
        var row = Next();
        _int32s![row] = value;
    }

    /// <summary>Appends an int64 or timestamp (microseconds since epoch) value.</summary>
    public void AppendInt64(long value)
    {
        // Next() may grow the arrays: take the index before reading the field.
        var row = Next();
        _int64s![row] = value;
    }

    /// <summary>Appends a float64 value.</summary>
    public void AppendFloat64(double value)
    {
        // Next() may grow the arrays: take the index before reading the field.
        var row = Next();
        _float64s![row] = value;
    }

    /// <summary>Appends a decimal value.</summary>
    public void AppendDecimal(decimal value)
    {
        // Next() may grow the arrays: take the index before reading the field.
        var row = Next();
        _decimals![row] = value;
    }

    /// <summary>Appends a UUID value.</summary>
    public void AppendUuid(Guid value)
    {
        // Next() may grow the arrays: take the index before reading the field.
        var row = Next();
        _uuids![row] = value;
    }

    /// <summary>Drops every value after the first <paramref name="count"/>.</summary>
    public void Truncate(int count)
    {
        for (var row = count; row < Count; row++)
        {
            _nulls[row] = false;
        }

        Count = Math.Min(Count, count);
    }

    /// <summary>
    /// Returns the accumulated values as a vector trimmed to <see cref="Count"/>. An array already of
    /// that length is handed over, not copied: nothing is appended after building.
    /// </summary>
    public ColumnVector Build() => new()
    {
        Kind = Kind,
        Count = Count,
        Nulls = _anyNull && Array.IndexOf(_nulls, true, 0, Count) >= 0 ? Trim(_nulls) : null,
        Strings = Kind == ColumnKind.String && _utf8Offsets is null ? Trim(_strings ??= new string?[Count]) : null,
        Utf8 = _utf8Offsets is { } ends ? _utf8.AsSpan(0, ends[Count]).ToArray() : null,
        Utf8Offsets = _utf8Offsets is { } offsets && offsets.Length == Count + 1 ? offsets : _utf8Offsets?.AsSpan(0, Count + 1).ToArray(),
        Bools = Trim(_bools),
        Int32s = Trim(_int32s),
        Int64s = Trim(_int64s),
        Float64s = Trim(_float64s),
        Decimals = Trim(_decimals),
        Uuids = Trim(_uuids),
    };

    private T[]? Trim<T>(T[]? values)
    {
        if (values is null)
        {
            return null;
        }

        if (values.Length == Count)
        {
            return values;
        }

        return values.AsSpan(0, Count).ToArray();
    }

    private int Next()
    {
        if (Count == _nulls.Length)
        {
            var capacity = _nulls.Length * 2;
            Array.Resize(ref _nulls, capacity);
            if (_strings is not null) Array.Resize(ref _strings, capacity);
            if (_utf8Offsets is not null) Array.Resize(ref _utf8Offsets, capacity + 1);
            if (_bools is not null) Array.Resize(ref _bools, capacity);
            if (_int32s is not null) Array.Resize(ref _int32s, capacity);
            if (_int64s is not null) Array.Resize(ref _int64s, capacity);
            if (_float64s is not null) Array.Resize(ref _float64s, capacity);
            if (_decimals is not null) Array.Resize(ref _decimals, capacity);
            if (_uuids is not null) Array.Resize(ref _uuids, capacity);
        }

        return Count++;
    }
}
