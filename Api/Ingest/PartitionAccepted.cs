namespace Mallard.Api.Ingest;

/// <summary>What one partition did with its share of a batch.</summary>
public sealed record PartitionAccepted(int Partition, int Accepted, int Duplicates);
