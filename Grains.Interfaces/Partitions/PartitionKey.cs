using System.Globalization;
using Mallard.Contract;

namespace Mallard.Partitions;

/// <summary>The grain key of a partition: <c>dataset/partition</c>, e.g. <c>page_views/3</c>.</summary>
public static class PartitionKey
{
    /// <summary>Formats the key of partition <paramref name="partition"/> of <paramref name="dataset"/>.</summary>
    public static string Format(string dataset, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{dataset}/{partition}");

    /// <summary>Parses a partition grain key.</summary>
    public static bool TryParse(string key, out string dataset, out int partition)
    {
        dataset = "";
        partition = -1;
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out partition))
        {
            return false;
        }

        dataset = key[..slash];
        return ContractLoader.IsIdentifier(dataset);
    }
}
