using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Mallard.Partitions;

namespace Mallard.Contract;

/// <summary>
/// Chooses a record's partition: XXH64 (seed 0) over the canonical bytes of its <c>partition_by</c>
/// values, as an unsigned 64-bit integer modulo <c>partitions</c>. Each value contributes one byte
/// <c>0x00</c> if null, else <c>0x01</c>, its canonical text's UTF-8 length as a 4-byte little-endian
/// integer, and that text (the contract's JSON text form: int64 and decimal digits without quotes,
/// decimals with exactly <c>scale</c> fractional digits, timestamps with six fractional digits and
/// <c>Z</c>, lower-case UUIDs, <c>true</c>/<c>false</c>, float64 in shortest round-trip form with -0
/// written as 0). Stable across processes, machines and languages; golden tests pin it.
/// </summary>
public static class PartitionHasher
{
    /// <summary>The partition of row <paramref name="row"/> of <paramref name="columns"/> (contract order).</summary>
    public static int PartitionOf(DatasetDefinition dataset, IReadOnlyList<ColumnVector> columns, int row)
    {
        // Most partition keys are a few strings decoded from a body as UTF-8: their bytes are
        // hashed in one shot from the stack, with no hasher object and no text per row.
        Span<byte> bytes = stackalloc byte[256];
        var written = 0;
        var ordinals = dataset.PartitionByOrdinals;
        for (var i = 0; i < ordinals.Count; i++)
        {
            var vector = columns[ordinals[i]];
            if (vector.IsNull(row))
            {
                if (written == bytes.Length)
                {
                    return PartitionOfCanonicalText(dataset, columns, row);
                }

                bytes[written++] = 0;
                continue;
            }

            if (vector.Utf8 is null || vector.GetUtf8(row) is var text && written + 5 + text.Length > bytes.Length)
            {
                return PartitionOfCanonicalText(dataset, columns, row);
            }

            bytes[written] = 1;
            BinaryPrimitives.WriteInt32LittleEndian(bytes[(written + 1)..], text.Length);
            text.CopyTo(bytes[(written + 5)..]);
            written += 5 + text.Length;
        }

        return (int)(XxHash64.HashToUInt64(bytes[..written]) % (ulong)dataset.Partitions);
    }

    private static int PartitionOfCanonicalText(DatasetDefinition dataset, IReadOnlyList<ColumnVector> columns, int row)
    {
        var hash = new XxHash64();
        Span<byte> scratch = stackalloc byte[256];
        foreach (var ordinal in dataset.PartitionByOrdinals)
        {
            var column = dataset.Columns[ordinal];
            var vector = columns[ordinal];
            if (vector.IsNull(row))
            {
                hash.Append([0]);
                continue;
            }

            if (vector.Utf8 is not null)
            {
                AppendUtf8(hash, scratch, vector.GetUtf8(row));
                continue;
            }

            AppendText(hash, scratch, CanonicalText(column.Type, vector, row));
        }

        return (int)(hash.GetCurrentHashAsUInt64() % (ulong)dataset.Partitions);
    }

    /// <summary>The canonical text of a non-null value, as hashed.</summary>
    public static string CanonicalText(ColumnType type, ColumnVector vector, int row) => type.Kind switch
    {
        ColumnKind.String => vector.GetString(row),
        ColumnKind.Bool => vector.Bools![row] ? "true" : "false",
        ColumnKind.Int32 => vector.Int32s![row].ToString(CultureInfo.InvariantCulture),
        ColumnKind.Int64 => ValueText.FormatInt64(vector.Int64s![row]),
        ColumnKind.Float64 => FormatFloat64(vector.Float64s![row]),
        ColumnKind.Decimal => ValueText.FormatDecimal(vector.Decimals![row], type.Scale),
        ColumnKind.Timestamp => ValueText.FormatTimestamp(vector.Int64s![row]),
        ColumnKind.Date => ValueText.FormatDate(vector.Int32s![row]),
        ColumnKind.Uuid => ValueText.FormatUuid(vector.Uuids![row]),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static string FormatFloat64(double value) =>
        value == 0 ? "0" : value.ToString("R", CultureInfo.InvariantCulture);

    // The same bytes as AppendText of the decoded string, without decoding it.
    private static void AppendUtf8(XxHash64 hash, Span<byte> scratch, ReadOnlySpan<byte> text)
    {
        scratch[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(scratch[1..], text.Length);
        hash.Append(scratch[..5]);
        hash.Append(text);
    }

    private static void AppendText(XxHash64 hash, Span<byte> scratch, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        byte[]? rented = null;
        var buffer = length + 5 <= scratch.Length ? scratch : (rented = ArrayPool<byte>.Shared.Rent(length + 5));
        buffer[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(buffer[1..], length);
        Encoding.UTF8.GetBytes(text, buffer[5..]);
        hash.Append(buffer[..(length + 5)]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
