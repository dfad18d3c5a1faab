using System.Buffers;
using System.Runtime.InteropServices;
using Mallard.Contract;
using Microsoft.Extensions.Options;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.GeneratedCodeHelpers;
using Orleans.Serialization.Serializers;
using Orleans.Serialization.WireProtocol;

namespace Mallard.Partitions;

/// <summary>
/// Orleans' codec for <see cref="ColumnVector"/>, which every batch, filter and partial result
/// carries between gateways and silos. Two forms, told apart by their field ids, both always read:
/// <list type="bullet">
/// <item><b>Fields</b> (ids 0–11): one field per value, byte for byte what the generated codec of
/// earlier builds wrote (<c>tests/fixtures/wire-v1</c>); a field header and a virtual call per value.</item>
/// <item><b>Packed</b>: field 2 holds the form's version (1) as one length-prefixed byte, then ids
/// 12–18 each array's little-endian bytes in one length-prefixed field, a copy per array. An
/// earlier build expects field 2 to be the null flags, in another wire type, and fails the whole
/// message: a call between builds that do not share a form fails instead of reading columns
/// without values (an <c>IN</c> filter of none matches nothing).</item>
/// </list>
/// A host writes <see cref="ColumnWireOptions.Format"/>: packed unless told otherwise while a
/// cluster rolls from a build before it (docs/kubernetes.md, "Rolling upgrade").
/// </summary>
[RegisterSerializer]
public sealed class ColumnVectorCodec : IFieldCodec<ColumnVector>
{
    private const uint FieldsNullsOrPackedVersion = 2;
    private const byte PackedVersion = 1;
    private const uint PackedKind = 12;
    private const uint PackedCount = 13;
    private const uint PackedNulls = 14;
    private const uint PackedValues = 15;
    private const uint PackedUtf8 = 16;
    private const uint PackedUtf8Offsets = 17;
    private const uint PackedStrings = 18;

    private static readonly Type VectorType = typeof(ColumnVector);
    private static readonly Type KindType = typeof(ColumnKind);

    private readonly ColumnWireFormat _format;
    private readonly IFieldCodec<ColumnKind> _kinds;
    private readonly ArrayCodec<bool> _bools;
    private readonly ArrayCodec<string?> _strings;
    private readonly ArrayCodec<int> _int32s;
    private readonly ArrayCodec<long> _int64s;
    private readonly ArrayCodec<double> _float64s;
    private readonly ArrayCodec<decimal> _decimals;
    private readonly ArrayCodec<Guid> _uuids;

    /// <summary>Creates the codec; Orleans resolves it from the host's services.</summary>
    public ColumnVectorCodec(ICodecProvider codecProvider, IOptions<ColumnWireOptions> options)
    {
        // The packed form is the arrays' memory as it is; every host Mallard runs on is little-endian.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the column codec needs a little-endian machine");
        }

        _format = options.Value.Format;
        _kinds = OrleansGeneratedCodeHelper.GetService<IFieldCodec<ColumnKind>>(this, codecProvider);
        _bools = OrleansGeneratedCodeHelper.GetService<ArrayCodec<bool>>(this, codecProvider);
        _strings = OrleansGeneratedCodeHelper.GetService<ArrayCodec<string?>>(this, codecProvider);
        _int32s = OrleansGeneratedCodeHelper.GetService<ArrayCodec<int>>(this, codecProvider);
        _int64s = OrleansGeneratedCodeHelper.GetService<ArrayCodec<long>>(this, codecProvider);
        _float64s = OrleansGeneratedCodeHelper.GetService<ArrayCodec<double>>(this, codecProvider);
        _decimals = OrleansGeneratedCodeHelper.GetService<ArrayCodec<decimal>>(this, codecProvider);
        _uuids = OrleansGeneratedCodeHelper.GetService<ArrayCodec<Guid>>(this, codecProvider);
    }

    /// <inheritdoc/>
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, ColumnVector? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value))
        {
            return;
        }

        writer.WriteStartObject(fieldIdDelta, expectedType, VectorType);
        if (_format == ColumnWireFormat.Packed)
        {
            WritePacked(ref writer, value);
        }
        else
        {
            WriteFields(ref writer, value);
        }

        writer.WriteEndObject();
    }

    /// <inheritdoc/>
    public ColumnVector ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.IsReference)
        {
            return ReferenceCodec.ReadReference<ColumnVector, TInput>(ref reader, field)!;
        }

        field.EnsureWireTypeTagDelimited();

        // The vector takes its reference id before its fields, as the generated codec recorded it.
        var referenceId = ReferenceCodec.CreateRecordPlaceholder(reader.Session);
        var kind = ColumnKind.String;
        var count = 0;
        bool[]? nulls = null, bools = null;
        string?[]? strings = null;
        int[]? int32s = null, utf8Offsets = null;
        long[]? int64s = null;
        double[]? float64s = null;
        decimal[]? decimals = null;
        Guid[]? uuids = null;
        byte[]? utf8 = null;
        uint id = 0;
        while (true)
        {
            var header = reader.ReadFieldHeader();
            if (header.IsEndObject)
            {
                break;
            }

            if (header.IsEndBaseFields)
            {
                continue;
            }

            id += header.FieldIdDelta;
            switch (id)
            {
                case 0:
                case PackedKind:
                    kind = _kinds.ReadValue(ref reader, header);
                    break;
                case 1:
                case PackedCount:
                    count = Int32Codec.ReadValue(ref reader, header);
                    if (count < 0)
                    {
                        throw new InvalidDataException($"a column vector of {count} values");
                    }

                    break;
                case FieldsNullsOrPackedVersion when header.WireType == WireType.LengthPrefixed:
                    var version = ReadRaw<byte, TInput>(ref reader, header, null);
                    if (version is not [PackedVersion])
                    {
                        throw new InvalidDataException($"a column vector of wire form version {string.Join(".", version)}; this build reads version {PackedVersion}");
                    }

                    break;
                case FieldsNullsOrPackedVersion: nulls = _bools.ReadValue(ref reader, header); break;
                case 3: strings = _strings.ReadValue(ref reader, header); break;
                case 4: bools = _bools.ReadValue(ref reader, header); break;
                case 5: int32s = _int32s.ReadValue(ref reader, header); break;
                case 6: int64s = _int64s.ReadValue(ref reader, header); break;
                case 7: float64s = _float64s.ReadValue(ref reader, header); break;
                case 8: decimals = _decimals.ReadValue(ref reader, header); break;
                case 9: uuids = _uuids.ReadValue(ref reader, header); break;
                case 10: utf8 = ByteArrayCodec.ReadValue(ref reader, header); break;
                case 11: utf8Offsets = _int32s.ReadValue(ref reader, header); break;
                case PackedNulls:
                    nulls = ReadBools(ref reader, header, count);
                    break;
                case PackedValues:
                    switch (kind)
                    {
                        case ColumnKind.Bool: bools = ReadBools(ref reader, header, count); break;
                        case ColumnKind.Int32 or ColumnKind.Date: int32s = ReadRaw<int, TInput>(ref reader, header, count); break;
                        case ColumnKind.Int64 or ColumnKind.Timestamp: int64s = ReadRaw<long, TInput>(ref reader, header, count); break;
                        case ColumnKind.Float64: float64s = ReadRaw<double, TInput>(ref reader, header, count); break;
                        case ColumnKind.Decimal: decimals = ReadRaw<decimal, TInput>(ref reader, header, count); break;
                        case ColumnKind.Uuid: uuids = ReadRaw<Guid, TInput>(ref reader, header, count); break;
                        default: throw new InvalidDataException($"a packed column of kind {kind} carries values");
                    }

                    break;
                case PackedUtf8:
                    utf8 = ReadRaw<byte, TInput>(ref reader, header, null);
                    break;
                case PackedUtf8Offsets:
                    utf8Offsets = ReadRaw<int, TInput>(ref reader, header, count + 1);
                    if (utf8Offsets[0] != 0 || utf8Offsets[count] != (utf8?.Length ?? -1))
                    {
                        throw new InvalidDataException("a packed string column's offsets do not span its bytes");
                    }

                    break;
                case PackedStrings:
                    strings = _strings.ReadValue(ref reader, header);
                    break;
                default:
                    reader.ConsumeUnknownField(header);
                    break;
            }
        }

        var vector = new ColumnVector
        {
            Kind = kind,
            Count = count,
            Nulls = nulls,
            Strings = strings,
            Bools = bools,
            Int32s = int32s,
            Int64s = int64s,
            Float64s = float64s,
            Decimals = decimals,
            Uuids = uuids,
            Utf8 = utf8,
            Utf8Offsets = utf8Offsets,
        };
        ReferenceCodec.RecordObject(reader.Session, vector, referenceId);
        return vector;
    }

    /// <summary>The form of builds before the packed one, field by field as their generated codec wrote it.</summary>
    private void WriteFields<TBufferWriter>(ref Writer<TBufferWriter> writer, ColumnVector value)
        where TBufferWriter : IBufferWriter<byte>
    {
        _kinds.WriteField(ref writer, 0, KindType, value.Kind);
        Int32Codec.WriteField(ref writer, 1, value.Count);
        _bools.WriteField(ref writer, 1, typeof(bool[]), value.Nulls!);
        _strings.WriteField(ref writer, 1, typeof(string[]), value.Strings!);
        _bools.WriteField(ref writer, 1, typeof(bool[]), value.Bools!);
        _int32s.WriteField(ref writer, 1, typeof(int[]), value.Int32s!);
        _int64s.WriteField(ref writer, 1, typeof(long[]), value.Int64s!);
        _float64s.WriteField(ref writer, 1, typeof(double[]), value.Float64s!);
        _decimals.WriteField(ref writer, 1, typeof(decimal[]), value.Decimals!);
        _uuids.WriteField(ref writer, 1, typeof(Guid[]), value.Uuids!);
        ByteArrayCodec.WriteField(ref writer, 1, value.Utf8!);
        _int32s.WriteField(ref writer, 1, typeof(int[]), value.Utf8Offsets!);
    }

    private void WritePacked<TBufferWriter>(ref Writer<TBufferWriter> writer, ColumnVector value)
        where TBufferWriter : IBufferWriter<byte>
    {
        WriteRaw(ref writer, FieldsNullsOrPackedVersion, [PackedVersion]);
        _kinds.WriteField(ref writer, PackedKind - FieldsNullsOrPackedVersion, KindType, value.Kind);
        Int32Codec.WriteField(ref writer, PackedCount - PackedKind, value.Count);
        var id = PackedCount;
        if (value.Nulls is { } nulls)
        {
            WriteRaw(ref writer, PackedNulls - id, MemoryMarshal.AsBytes(nulls.AsSpan()));
            id = PackedNulls;
        }

        if (TryValueBytes(value, out var values))
        {
            WriteRaw(ref writer, PackedValues - id, values);
            id = PackedValues;
        }

        if (value.Utf8 is { } utf8 && value.Utf8Offsets is { } offsets)
        {
            WriteRaw(ref writer, PackedUtf8 - id, utf8);
            WriteRaw(ref writer, PackedUtf8Offsets - PackedUtf8, MemoryMarshal.AsBytes(offsets.AsSpan()));
            id = PackedUtf8Offsets;
        }

        if (value.Strings is { } strings)
        {
            _strings.WriteField(ref writer, PackedStrings - id, typeof(string[]), strings);
        }
    }

    // The bytes of the kind's array; none when the vector has no such array (read back as none, not as empty).
    private static bool TryValueBytes(ColumnVector value, out ReadOnlySpan<byte> bytes)
    {
        switch (value.Kind)
        {
            case ColumnKind.Bool when value.Bools is { } bools: bytes = MemoryMarshal.AsBytes(bools.AsSpan()); return true;
            case ColumnKind.Int32 or ColumnKind.Date when value.Int32s is { } int32s: bytes = MemoryMarshal.AsBytes(int32s.AsSpan()); return true;
            case ColumnKind.Int64 or ColumnKind.Timestamp when value.Int64s is { } int64s: bytes = MemoryMarshal.AsBytes(int64s.AsSpan()); return true;
            case ColumnKind.Float64 when value.Float64s is { } float64s: bytes = MemoryMarshal.AsBytes(float64s.AsSpan()); return true;
            case ColumnKind.Decimal when value.Decimals is { } decimals: bytes = MemoryMarshal.AsBytes(decimals.AsSpan()); return true;
            case ColumnKind.Uuid when value.Uuids is { } uuids: bytes = MemoryMarshal.AsBytes(uuids.AsSpan()); return true;
            default: bytes = default; return false;
        }
    }

    private static void WriteRaw<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, ReadOnlySpan<byte> bytes)
        where TBufferWriter : IBufferWriter<byte>
    {
        // Not an object others can refer to: it takes a reference id as a value field does, which
        // is also what a reader that skips it as unknown counts.
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteFieldHeaderExpected(fieldIdDelta, WireType.LengthPrefixed);
        writer.WriteVarUInt32((uint)bytes.Length);
        writer.Write(bytes);
    }

    private static bool[] ReadBools<TInput>(ref Reader<TInput> reader, Field header, int count)
    {
        var values = ReadRaw<bool, TInput>(ref reader, header, count);
        if (MemoryMarshal.AsBytes(values.AsSpan()).IndexOfAnyExceptInRange((byte)0, (byte)1) >= 0)
        {
            throw new InvalidDataException("a packed boolean that is neither 0 nor 1");
        }

        return values;
    }

    private static T[] ReadRaw<T, TInput>(ref Reader<TInput> reader, Field header, int? count)
        where T : unmanaged
    {
        ReferenceCodec.MarkValueField(reader.Session);
        header.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        var size = (uint)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (length % size != 0 || (count is { } expected && length / size != (uint)expected) || length > reader.Length)
        {
            throw new InvalidDataException($"a packed column field of {length} bytes; expected {(count is { } n ? $"{n} values" : "whole values")} of {size} bytes within the message");
        }

        var values = GC.AllocateUninitializedArray<T>((int)(length / size));
        reader.ReadBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
