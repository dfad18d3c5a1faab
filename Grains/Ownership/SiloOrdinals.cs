using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Mallard.Grains.Ownership;

/// <summary>Maps a silo address to the ordinal the silo published in its metadata.</summary>
public sealed class SiloOrdinals(ISiloMetadataCache metadata, ILocalSiloDetails local, IOptions<ClusterTopologyOptions> topology)
{
    /// <summary>This silo's ordinal.</summary>
    public int Local => topology.Value.Ordinal;

    /// <summary>The ordinal of <paramref name="silo"/>, or null while its metadata is not known here yet.</summary>
    public int? OrdinalOf(SiloAddress silo)
    {
        if (silo.Equals(local.SiloAddress))
        {
            return Local;
        }

        return metadata.GetSiloMetadata(silo).Metadata.TryGetValue(ClusterTopologyOptions.OrdinalMetadataKey, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : null;
    }
}
