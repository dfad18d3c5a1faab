using System.Globalization;
using System.Text;
using Mallard.Partitions;

namespace Mallard.Contract;

/// <summary>
/// A record's identity as text: the canonical text of each <c>key</c> column, length-prefixed so
/// that no two different keys share a text. Used to find duplicates inside a batch.
/// </summary>
public static class RecordKey
{
    /// <summary>
    /// A 64-bit hash of row <paramref name="row"/>'s key (XXH64 over the typed values), without
    /// allocating. Equal keys hash equal; different keys collide rarely, so callers confirm a
    /// collision with <see cref="Of"/> before calling two records duplicates.
    /// </summary>
    public static ulong Hash(IReadOnlyList<ColumnVector> keyColumns, int row)
    {
        // Indexed loops: foreach over the interface would allocate an enumerator per row.
        var size = 0;
        for (var k = 0; k < keyColumns.Count; k++)
        {
            size += EncodedSize(keyColumns[k], row);
        }

        // One buffer and one-shot hashing: a hasher object per row cost more than the hash.
        byte[]? rented = null;
        var buffer = size <= 64 ? stackalloc byte[64] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(size));
        var written = 0;
        for (var k = 0; k < keyColumns.Count; k++)
        {
            written += Encode(keyColumns[k], row, buffer[written..]);
        }

        var hash = System.IO.Hashing.XxHash64.HashToUInt64(buffer[..written]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

    private static int EncodedSize(ColumnVector vector, int row) => vector.IsNull(row) ? 1 : vector.Kind switch
    {
        ColumnKind.String => (vector.Utf8 is null ? Encoding.UTF8.GetByteCount(vector.Strings![row]!) : vector.GetUtf8(row).Length) + 4,
        ColumnKind.Bool => 1,
        ColumnKind.Int32 or ColumnKind.Date => 4,
        ColumnKind.Int64 or ColumnKind.Timestamp or ColumnKind.Float64 => 8,
        ColumnKind.Decimal or ColumnKind.Uuid => 16,
        _ => throw new InvalidOperationException($"unknown column kind {vector.Kind}"),
    };

    private static int Encode(ColumnVector vector, int row, Span<byte> into)
    {
        if (vector.IsNull(row))
        {
            into[0] = 0;
            return 1;
        }

        switch (vector.Kind)
        {
            case ColumnKind.String:
                // UTF-8 whichever form the vector holds: a key hashes alike from a body and from DuckDB.
                var length = vector.Utf8 is null ? Encoding.UTF8.GetBytes(vector.Strings![row]!, into) : Copy(vector.GetUtf8(row), into);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(into[length..], length);
                return length + 4;
            case ColumnKind.Bool:
                into[0] = vector.Bools![row] ? (byte)2 : (byte)1;
                return 1;
            case ColumnKind.Int32 or ColumnKind.Date:
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(into, vector.Int32s![row]);
                return 4;
            case ColumnKind.Int64 or ColumnKind.Timestamp:
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(into, vector.Int64s![row]);
                return 8;
            case ColumnKind.Float64:
                System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(into, vector.Float64s![row] == 0 ? 0d : vector.Float64s![row]);
                return 8;
            case ColumnKind.Decimal:
                // Normalized so 1.5 and 1.50 hash alike, as they are the same key.
                Span<int> bits = stackalloc int[4];
                decimal.GetBits(vector.Decimals![row] / 1.0000000000000000000000000000m, bits);
                for (var i = 0; i < 4; i++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(into[(i * 4)..], bits[i]);
                }

                return 16;
            case ColumnKind.Uuid:
                vector.Uuids![row].TryWriteBytes(into);
                return 16;
            default:
                throw new InvalidOperationException($"unknown column kind {vector.Kind}");
        }
    }

    private static int Copy(ReadOnlySpan<byte> bytes, Span<byte> into)
    {
        bytes.CopyTo(into);
        return bytes.Length;
    }

    /// <summary>The key hash of every row (see <see cref="Hash"/>).</summary>
    public static ulong[] Hashes(IReadOnlyList<ColumnVector> keyColumns, int rowCount)
    {
        var hashes = new ulong[rowCount];
        for (var row = 0; row < rowCount; row++)
        {
            hashes[row] = Hash(keyColumns, row);
        }

        return hashes;
    }

    /// <summary>The rows of a batch whose key repeats an earlier row's, exactly (hash first, text to confirm).</summary>
    public static List<int> RepeatedWithinBatch(DatasetDefinition dataset, IReadOnlyList<ColumnVector> keyColumns, int rowCount) =>
        RepeatedWithinBatch(dataset, keyColumns, Hashes(keyColumns, rowCount));

    /// <summary>The rows whose key repeats an earlier row's, given every row's key hash.</summary>
    public static List<int> RepeatedWithinBatch(DatasetDefinition dataset, IReadOnlyList<ColumnVector> keyColumns, ulong[] hashes)
    {
        var seenHashes = new HashSet<ulong>(hashes.Length);
        HashSet<ulong>? colliding = null;
        foreach (var hash in hashes)
        {
            if (!seenHashes.Add(hash))
            {
                (colliding ??= []).Add(hash);
            }
        }

        if (colliding is null)
        {
            return [];
        }

        // Only when hashes repeat is the exact key text worth building.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var repeated = new List<int>();
        for (var row = 0; row < hashes.Length; row++)
        {
            if (colliding.Contains(hashes[row]) && !seen.Add(Of(dataset, keyColumns, row)))
            {
                repeated.Add(row);
            }
        }

        return repeated;
    }

    /// <summary>The key text of row <paramref name="row"/>; <paramref name="columns"/> are vectors in contract order.</summary>
    public static string OfRecord(DatasetDefinition dataset, IReadOnlyList<ColumnVector> columns, int row) =>
        Of(dataset, dataset.KeyOrdinals.Select(o => columns[o]).ToArray(), row);

    /// <summary>The key text of row <paramref name="row"/> of vectors holding only the key columns, in key order.</summary>
    public static string Of(DatasetDefinition dataset, IReadOnlyList<ColumnVector> keyColumns, int row)
    {
        var text = new StringBuilder();
        for (var k = 0; k < dataset.KeyOrdinals.Count; k++)
        {
            var vector = keyColumns[k];
            var value = vector.IsNull(row) ? "" : PartitionHasher.CanonicalText(dataset.Columns[dataset.KeyOrdinals[k]].Type, vector, row);
            text.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }

        return text.ToString();
    }
}
