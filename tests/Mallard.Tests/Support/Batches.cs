using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Support;

/// <summary>Builds record batches for grain-level tests without going through JSON.</summary>
public static class Batches
{
    /// <summary>A batch for the test contract's <c>events</c> dataset (id int64, ts timestamp, amount decimal(10,2), note string?).</summary>
    public static RecordBatch Events(string batchId, long firstId, int count)
    {
        var id = new ColumnVectorBuilder(ColumnKind.Int64, count);
        var ts = new ColumnVectorBuilder(ColumnKind.Timestamp, count);
        var amount = new ColumnVectorBuilder(ColumnKind.Decimal, count);
        var note = new ColumnVectorBuilder(ColumnKind.String, count);
        for (var i = 0; i < count; i++)
        {
            id.AppendInt64(firstId + i);
            ts.AppendInt64(1_700_000_000_000_000L + (firstId + i) * 1_000_001L);
            amount.AppendDecimal((firstId + i) % 1000 + 0.25m);
            if (i % 3 == 0)
            {
                note.AppendNull();
            }
            else
            {
                note.AppendString($"note {firstId + i}");
            }
        }

        return new RecordBatch(batchId, count, [id.Build(), ts.Build(), amount.Build(), note.Build()], Stamp, Enumerable.Range(0, count).ToArray(), "request-" + batchId);
    }

    /// <summary>The stamp of the events dataset in <see cref="EventsContract"/>.</summary>
    public static ContractStamp Stamp { get; } = StampOf(EventsContract);

    public static ContractStamp StampOf(string contractYaml)
    {
        var contract = ContractLoader.Parse(contractYaml, "events.yaml");
        return new ContractStamp(contract.Version, contract.Datasets["events"].Hash);
    }

    public const string EventsContract = """
        version: 1
        datasets:
          events:
            key: [id]
            partition_by: [id]
            partitions: 2
            time: ts
            columns:
              id:     { type: int64 }
              ts:     { type: timestamp }
              amount: { type: "decimal(10,2)" }
              note:   { type: string, nullable: true }
        """;
}
