namespace Mallard.Api.Ingest;

/// <summary>How many records one partition accepted.</summary>
public sealed record PartitionAccepted(int Partition, int Accepted);
