using CsCheck;
using Mallard.Contract;
using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;
using Microsoft.Extensions.Options;

namespace Mallard.Tests.ExactlyOnce;

/// <summary>
/// Random batches with repeated keys and random retries, applied to a real shard, end in the state
/// of a simple model: each key holds the value of the first record that carried it, and a retried
/// batch changes nothing and replays its receipt.
/// </summary>
public sealed class ShardDedupPropertyTests
{
    private const string Contract = """
        version: 1
        datasets:
          items:
            key: [k]
            partition_by: [k]
            partitions: 1
            time: at
            columns:
              k:  { type: int32 }
              v:  { type: int64 }
              at: { type: timestamp }
        """;

    private static readonly ContractDefinition Parsed = ContractLoader.Parse(Contract, "items.yaml");

    // An operation is either a new batch of (key, value) records or a retry of an earlier batch.
    private static readonly Gen<(bool Retry, int Earlier, (int Key, long Value)[] Records)> Operation =
        Gen.Select(
            Gen.Int[0, 3].Select(n => n == 0),
            Gen.Int[0, 1000],
            Gen.Select(Gen.Int[0, 15], Gen.Long[-1000, 1000]).Array[0, 12]);

    [Fact]
    public void Append_random_batches_and_retries_ends_in_the_model_state()
    {
        Operation.Array[1, 25].Sample(operations =>
        {
            using var data = new TempDirectory("mallard-property");
            using var shard = Open(data.Path);
            var model = new Dictionary<int, long>();
            var sent = new List<(RecordBatch Batch, PartitionReceipt Receipt)>();
            foreach (var (retry, earlier, records) in operations)
            {
                if (retry && sent.Count > 0)
                {
                    var (batch, original) = sent[earlier % sent.Count];
                    var replay = shard.Append(batch);
                    Assert.True(replay.Replayed);
                    Assert.Equal((original.Accepted, original.Duplicates), (replay.Accepted, replay.Duplicates));
                    Assert.Equal(original.DuplicateIndexes, replay.DuplicateIndexes);
                    continue;
                }

                var fresh = Batch(records);
                var receipt = shard.Append(fresh);
                var expectedDuplicates = new List<int>();
                for (var i = 0; i < records.Length; i++)
                {
                    if (!model.TryAdd(records[i].Key, records[i].Value))
                    {
                        expectedDuplicates.Add(i);
                    }
                }

                Assert.False(receipt.Replayed);
                Assert.Equal(records.Length - expectedDuplicates.Count, receipt.Accepted);
                Assert.Equal(expectedDuplicates, receipt.DuplicateIndexes);
                sent.Add((fresh, receipt));
            }

            Assert.Equal(model.OrderBy(p => p.Key), ReadAll(shard).OrderBy(p => p.Key));
        }, iter: 60);
    }

    [Fact]
    public void Append_with_a_dedup_window_checks_keys_only_within_the_window()
    {
        var windowed = ContractLoader.Parse(Contract.Replace("    time: at", "    time: at\n    dedup_window: 1h", StringComparison.Ordinal), "items.yaml");
        using var data = new TempDirectory("mallard-window");
        using var shard = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), windowed).Open(windowed.Datasets["items"], 0);
        var hour = 3_600_000_000L;

        var first = shard.Append(Batch([(1, 10)], windowed, [0]));
        var within = shard.Append(Batch([(1, 11)], windowed, [hour / 2]));
        var outside = shard.Append(Batch([(1, 12)], windowed, [3 * hour]));

        Assert.Equal((1, 0), (first.Accepted, first.Duplicates));
        Assert.Equal((0, 1), (within.Accepted, within.Duplicates));
        Assert.Equal((1, 0), (outside.Accepted, outside.Duplicates));
    }

    // Records of one key space at times spread over twelve windows, in any order.
    private static readonly Gen<(int Key, int Window, int Minute)[][]> WindowedBatches =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 11], Gen.Int[0, 59]).Array[1, 6].Array[1, 20];

    [Fact]
    public void Append_with_a_dedup_window_randomTimesAndReopens_endsInTheModelState()
    {
        var windowed = ContractLoader.Parse(Contract.Replace("    time: at", "    time: at\n    dedup_window: 1h", StringComparison.Ordinal), "items.yaml");
        const long Hour = 3_600_000_000L;
        Gen.Select(WindowedBatches, Gen.Int[0, 1000]).Sample((batches, seed) =>
        {
            using var data = new TempDirectory("mallard-window-property");
            var catalog = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), windowed);
            var shard = catalog.Open(windowed.Datasets["items"], 0);
            var reopenAt = seed % batches.Length;
            var stored = new List<(int Key, long Time)>();
            try
            {
                for (var b = 0; b < batches.Length; b++)
                {
                    if (b == reopenAt)
                    {
                        shard.Dispose();
                        shard = catalog.Open(windowed.Datasets["items"], 0);
                    }

                    var records = batches[b];
                    var times = records.Select(r => (r.Window * Hour) + (r.Minute * 60_000_000L)).ToArray();
                    var receipt = shard.Append(Batch([.. records.Select((r, i) => (r.Key, (long)i))], windowed, times));

                    // The first record of a key in the batch is checked against the stored ones
                    // within an hour of it; later ones repeat it.
                    var expected = new List<int>();
                    var seen = new HashSet<int>();
                    for (var i = 0; i < records.Length; i++)
                    {
                        if (!seen.Add(records[i].Key) || stored.Any(x => x.Key == records[i].Key && Math.Abs(x.Time - times[i]) <= Hour))
                        {
                            expected.Add(i);
                        }
                    }

                    foreach (var i in Enumerable.Range(0, records.Length).Except(expected))
                    {
                        stored.Add((records[i].Key, times[i]));
                    }

                    Assert.Equal(expected, receipt.DuplicateIndexes);
                    Assert.Equal(records.Length - expected.Count, receipt.Accepted);
                }

                Assert.Equal(stored.Count, CountRows(shard));
            }
            finally
            {
                shard.Dispose();
            }
        }, iter: 40);
    }

    [Fact]
    public void Append_with_a_dedup_window_inEventTimeOrder_skipsTheStagingPath_andALateRecordTakesIt()
    {
        var windowed = ContractLoader.Parse(Contract.Replace("    time: at", "    time: at\n    dedup_window: 1h", StringComparison.Ordinal), "items.yaml");
        const long Hour = 3_600_000_000L;
        using var data = new TempDirectory("mallard-window-fast");
        using var shard = new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = data.Path }), windowed).Open(windowed.Datasets["items"], 0);

        for (var hour = 0; hour < 10; hour++)
        {
            // New keys each hour, and key 1 again: more than an hour after its last record, so stored.
            var receipt = shard.Append(Batch([(1, hour), (100 + hour, hour)], windowed, [hour * Hour * 2, (hour * Hour * 2) + 1]));
            Assert.Equal((2, 0), (receipt.Accepted, receipt.Duplicates));
        }

        Assert.Equal(0, shard.CheckedBatches);
        Assert.Equal(WindowedKeyHashes.MaxBuckets, shard.WindowKeyHashes!.Count / 2);

        // Key 100 at hour 0, sent again half an hour later: its buckets were dropped long ago.
        var late = shard.Append(Batch([(100, 99)], windowed, [Hour / 2]));
        var lateNew = shard.Append(Batch([(500, 99)], windowed, [Hour / 2]));

        Assert.Equal((0, 1), (late.Accepted, late.Duplicates));
        Assert.Equal((1, 0), (lateNew.Accepted, lateNew.Duplicates));
        Assert.Equal(2, shard.CheckedBatches);
    }

    private static long CountRows(Shard shard) =>
        (long)shard.Query(new PartitionQuery("items", [], [], [], [new QueryAggregate(AggregateFunction.Count, null, "n")], [], 10, new ContractStamp(1, "test"))).Vectors[0].GetValue(0)!;

    private static Shard Open(string folder) =>
        new ShardCatalog(Options.Create(new ShardOptions { DataDirectory = folder }), Parsed).Open(Parsed.Datasets["items"], 0);

    private static RecordBatch Batch((int Key, long Value)[] records, ContractDefinition? contract = null, long[]? times = null)
    {
        contract ??= Parsed;
        var k = new ColumnVectorBuilder(ColumnKind.Int32);
        var v = new ColumnVectorBuilder(ColumnKind.Int64);
        var at = new ColumnVectorBuilder(ColumnKind.Timestamp);
        for (var i = 0; i < records.Length; i++)
        {
            k.AppendInt32(records[i].Key);
            v.AppendInt64(records[i].Value);
            at.AppendInt64(times?[i] ?? 1_700_000_000_000_000L);
        }

        var id = Guid.NewGuid().ToString("N");
        return new RecordBatch(id, records.Length, [k.Build(), v.Build(), at.Build()], new ContractStamp(contract.Version, contract.Datasets["items"].Hash),
            Enumerable.Range(0, records.Length).ToArray(), "request-" + id);
    }

    private static Dictionary<int, long> ReadAll(Shard shard)
    {
        var result = shard.Query(new PartitionQuery("items", [], ["k", "v"], [], [], [], 10_000, new ContractStamp(1, "test")));
        return Enumerable.Range(0, result.RowCount).ToDictionary(row => (int)result.Vectors[0].GetValue(row)!, row => (long)result.Vectors[1].GetValue(row)!);
    }
}
