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
