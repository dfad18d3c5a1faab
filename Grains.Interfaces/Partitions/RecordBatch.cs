namespace Mallard.Partitions;

/// <summary>
/// The records of one batch bound for one partition, already validated against the contract,
/// as one vector per dataset column in contract order.
/// </summary>
/// <param name="BatchId">Identity of the batch; the partition's ledger records it with the rows.</param>
/// <param name="RowCount">Number of records.</param>
/// <param name="Columns">One vector per dataset column, in contract order, each of <paramref name="RowCount"/> values.</param>
/// <param name="Contract">The contract the records were validated against.</param>
/// <param name="RecordIndexes">Each row's position in the client's request, for the receipt.</param>
/// <param name="RequestHash">SHA-256 of the whole request body (a keyed batch; <see cref="IdempotencyKeys.UnkeyedRequestHash"/> otherwise); a batch id reused with another body is refused.</param>
[GenerateSerializer, Immutable, Alias("mallard.RecordBatch")]
public sealed record RecordBatch(
    [property: Id(0)] string BatchId,
    [property: Id(1)] int RowCount,
    [property: Id(2)] ColumnVector[] Columns,
    [property: Id(3)] ContractStamp Contract,
    [property: Id(4)] int[] RecordIndexes,
    [property: Id(5)] string RequestHash);
