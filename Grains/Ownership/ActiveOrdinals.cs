using Orleans.Runtime;

namespace Mallard.Grains.Ownership;

/// <summary>The ordinals of the silos that are active cluster members now, as this silo sees membership.</summary>
public sealed class ActiveOrdinals(IClusterMembershipService membership, SiloOrdinals ordinals)
{
    /// <summary>Active ordinal → its silo. A member whose ordinal metadata is not known here yet is left out.</summary>
    public IReadOnlyDictionary<int, SiloAddress> Now()
    {
        var active = new SortedDictionary<int, SiloAddress>();
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && ordinals.OrdinalOf(member.SiloAddress) is { } ordinal)
            {
                active[ordinal] = member.SiloAddress;
            }
        }

        if (active.Count == 0)
        {
            active[ordinals.Local] = default!;
        }

        return active;
    }

    /// <summary>Active members whose ordinal is not known here yet (their metadata is on its way).</summary>
    public int Unresolved() =>
        membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active && ordinals.OrdinalOf(m.SiloAddress) is null);
}
