namespace Mallard.Partitions;

/// <summary>Resolves partition grains by dataset and partition number.</summary>
public static class PartitionGrainExtensions
{
    /// <summary>The grain that owns partition <paramref name="partition"/> of <paramref name="dataset"/>.</summary>
    public static IPartitionGrain GetPartition(this IGrainFactory grains, string dataset, int partition) =>
        grains.GetGrain<IPartitionGrain>(PartitionKey.Format(dataset, partition));

    /// <summary>The silo-local relay the gateway sends its partition and idempotency calls through.</summary>
    public static IPartitionRelayGrain Relay(this IGrainFactory grains) => grains.GetGrain<IPartitionRelayGrain>(0);
}
