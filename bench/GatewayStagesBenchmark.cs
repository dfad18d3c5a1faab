using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mallard.Api.Ingest;
using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Mallard.Bench;

/// <summary>A stopwatch breakdown of the gateway's work per 10,000-row batch, single-threaded, no I/O.</summary>
public static class GatewayStagesBenchmark
{
    public static int Run()
    {
        var root = IngestBenchmark.FindRoot();
        var contract = ContractLoader.LoadFile(Path.Combine(root, "schema.yaml"));
        var dataset = contract.Datasets["page_views"];
        var body = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 10_000).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"{{\"event_id\":\"{Guid.NewGuid()}\",\"ts\":\"2026-11-26T10:00:00.{i:000000}Z\",\"user_id\":\"user-{i % 5000}\",\"page\":\"/home\",\"country\":\"DE\",\"duration_ms\":{i},\"bytes\":\"{i * 1000L}\",\"revenue\":\"{i / 100m:F2}\",\"bot\":false,\"score\":0.5,\"day\":\"2026-11-26\"}}"))));
        var stamp = new ContractStamp(contract.Version, dataset.Hash);
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        const int rounds = 30;

        // Enough rounds first for tiered compilation to reach its final code (steady state).
        const int warmUp = 60;
        var decode = TimeSpan.Zero;
        var hash = TimeSpan.Zero;
        var route = TimeSpan.Zero;
        var write = TimeSpan.Zero;
        var read = TimeSpan.Zero;
        var copy = TimeSpan.Zero;
        long decodeAllocated = 0;
        for (var round = 0; round < rounds + warmUp; round++)
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var t0 = Stopwatch.GetTimestamp();
            var decoded = new RecordDecoder(dataset, 100_000, 100).Decode(body, BodyFormat.NdJson);
            var t1 = Stopwatch.GetTimestamp();
            var allocatedByDecode = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            var requestHash = Convert.ToHexStringLower(SHA256.HashData(body));
            var t2 = Stopwatch.GetTimestamp();
            var routed = BatchRouter.Route(dataset, stamp, "b", requestHash, decoded.Columns, decoded.RecordCount);
            var t3 = Stopwatch.GetTimestamp();

            // What the grain calls carry: each partition's sub-batch, written by the gateway, read by the silo.
            var messages = routed.Partitions.Values.Select(batch => serializer.SerializeToArray(batch)).ToArray();
            var t4 = Stopwatch.GetTimestamp();
            foreach (var message in messages)
            {
                serializer.Deserialize<RecordBatch>(message);
            }

            var t5 = Stopwatch.GetTimestamp();

            // The floor for any wire form: every array's bytes copied out and back once.
            foreach (var batch in routed.Partitions.Values)
            {
                foreach (var column in batch.Columns)
                {
                    CopyOutAndBack(column);
                }
            }

            var t6 = Stopwatch.GetTimestamp();
            if (round >= warmUp)
            {
                decode += Stopwatch.GetElapsedTime(t0, t1);
                decodeAllocated += allocatedByDecode;
                hash += Stopwatch.GetElapsedTime(t1, t2);
                route += Stopwatch.GetElapsedTime(t2, t3);
                write += Stopwatch.GetElapsedTime(t3, t4);
                read += Stopwatch.GetElapsedTime(t4, t5);
                copy += Stopwatch.GetElapsedTime(t5, t6);
            }
        }

        Console.WriteLine("| stage (10,000 rows, NDJSON) | ms per batch | rows/s on one core |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, total) in new[] { ("decode + validate", decode), ("request hash (SHA-256; requests with an Idempotency-Key only)", hash), ("in-batch dedup + route + split", route), ("Orleans: write the sub-batches (gateway)", write), ("Orleans: read them (silo)", read), ("their arrays' bytes copied out and back (a floor)", copy) })
        {
            var ms = total.TotalMilliseconds / rounds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {ms:F1} | {10_000 / (ms / 1000):N0} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nDecoding allocated {decodeAllocated / rounds / 1048576.0:F2} MiB per batch ({(double)decodeAllocated / rounds / 10_000:F0} bytes per row)."));
        return 0;
    }

    private static void CopyOutAndBack(ColumnVector column)
    {
        CopyOutAndBack(column.Nulls);
        CopyOutAndBack(column.Bools);
        CopyOutAndBack(column.Int32s);
        CopyOutAndBack(column.Int64s);
        CopyOutAndBack(column.Float64s);
        CopyOutAndBack(column.Decimals);
        CopyOutAndBack(column.Uuids);
        CopyOutAndBack(column.Utf8);
        CopyOutAndBack(column.Utf8Offsets);
    }

    private static void CopyOutAndBack<T>(T[]? values)
        where T : struct
    {
        if (values is null)
        {
            return;
        }

        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        var wire = bytes.ToArray();
        wire.AsSpan().CopyTo(bytes);
    }
}
