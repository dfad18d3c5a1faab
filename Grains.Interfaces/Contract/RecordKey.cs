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
        var hash = new System.IO.Hashing.XxHash64();
        Span<byte> scratch = stackalloc byte[16];
        foreach (var vector in keyColumns)
        {
            if (vector.IsNull(row))
            {
                hash.Append([0]);
                continue;
            }

            switch (vector.Kind)
            {
                case ColumnKind.String:
                    hash.Append(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.Strings![row].AsSpan()));
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(scratch, vector.Strings![row]!.Length);
                    hash.Append(scratch[..4]);
                    break;
                case ColumnKind.Bool:
                    hash.Append([vector.Bools![row] ? (byte)2 : (byte)1]);
                    break;
                case ColumnKind.Int32 or ColumnKind.Date:
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(scratch, vector.Int32s![row]);
                    hash.Append(scratch[..4]);
                    break;
                case ColumnKind.Int64 or ColumnKind.Timestamp:
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(scratch, vector.Int64s![row]);
                    hash.Append(scratch[..8]);
                    break;
                case ColumnKind.Float64:
                    System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(scratch, vector.Float64s![row] == 0 ? 0d : vector.Float64s![row]);
                    hash.Append(scratch[..8]);
                    break;
                case ColumnKind.Decimal:
                    // Normalized so 1.5 and 1.50 hash alike, as they are the same key.
                    var bits = decimal.GetBits(vector.Decimals![row] / 1.0000000000000000000000000000m);
                    for (var i = 0; i < 4; i++)
                    {
                        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(scratch[(i * 4)..], bits[i]);
                    }

                    hash.Append(scratch);
                    break;
                case ColumnKind.Uuid:
                    vector.Uuids![row].TryWriteBytes(scratch);
                    hash.Append(scratch);
                    break;
            }
        }

        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>The rows of a batch whose key repeats an earlier row's, exactly (hash first, text to confirm).</summary>
    public static List<int> RepeatedWithinBatch(DatasetDefinition dataset, IReadOnlyList<ColumnVector> keyColumns, int rowCount)
    {
        var firstByHash = new Dictionary<ulong, int>(rowCount);
        List<int>? candidates = null;
        for (var row = 0; row < rowCount; row++)
        {
            if (!firstByHash.TryAdd(Hash(keyColumns, row), row))
            {
                (candidates ??= []).Add(row);
            }
        }

        if (candidates is null)
        {
            return [];
        }

        // Only when hashes repeat is the exact key text worth building.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var repeated = new List<int>();
        var colliding = new HashSet<ulong>(candidates.Select(r => Hash(keyColumns, r)));
        for (var row = 0; row < rowCount; row++)
        {
            if (colliding.Contains(Hash(keyColumns, row)) && !seen.Add(Of(dataset, keyColumns, row)))
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
