namespace Mallard.Api.Ingest;

/// <summary>The 200 response of an ingest request.</summary>
public sealed record IngestReceipt(string Dataset, string BatchId, int Accepted, PartitionAccepted[] Partitions, int ContractVersion);
