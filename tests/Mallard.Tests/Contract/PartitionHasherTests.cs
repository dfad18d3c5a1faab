using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Contract;

/// <summary>
/// Golden vectors: these numbers are the routing of data already stored. If one changes, existing
/// shards would be read and written under a different partition, so a change here is a breaking change.
/// </summary>
public sealed class PartitionHasherTests
{
    private static readonly DatasetDefinition ByUser = ContractLoader.Parse("""
        version: 1
        datasets:
          d:
            key: [user_id]
            partition_by: [user_id]
            partitions: 8
            columns:
              user_id: { type: string }
        """, "golden.yaml").Datasets["d"];

    private static readonly DatasetDefinition ByMany = ContractLoader.Parse("""
        version: 1
        datasets:
          d:
            key: [id]
            partition_by: [tenant, amount, at, id, flag]
            partitions: 1000
            columns:
              id:     { type: uuid }
              tenant: { type: string, nullable: true }
              amount: { type: "decimal(10,2)" }
              at:     { type: timestamp }
              flag:   { type: bool }
        """, "golden.yaml").Datasets["d"];

    [Theory]
    [InlineData("u1", 1)]
    [InlineData("u2", 1)]
    [InlineData("alice", 0)]
    [InlineData("", 6)]
    [InlineData("Zürich", 5)]
    public void PartitionOf_string_key_matches_golden_vector(string userId, int expected)
    {
        var column = new ColumnVectorBuilder(ColumnKind.String);
        column.AppendString(userId);

        Assert.Equal(expected, PartitionHasher.PartitionOf(ByUser, [column.Build()], 0));
    }

    [Theory]
    [InlineData("u1", 1)]
    [InlineData("alice", 0)]
    [InlineData("", 6)]
    [InlineData("Zürich", 5)]
    public void PartitionOf_stringKeyAsUtf8Bytes_matchesTheSameGoldenVector(string userId, int expected)
    {
        var column = new ColumnVectorBuilder(ColumnKind.String);
        column.AppendUtf8(System.Text.Encoding.UTF8.GetBytes(userId));

        Assert.NotNull(column.Build().Utf8);
        Assert.Equal(expected, PartitionHasher.PartitionOf(ByUser, [column.Build()], 0));
    }

    [Fact]
    public void PartitionOf_composite_key_with_null_matches_golden_vector()
    {
        var columns = Row(tenant: null, amount: 12.5m);

        Assert.Equal(817, PartitionHasher.PartitionOf(ByMany, columns, 0));
    }

    [Fact]
    public void PartitionOf_uses_canonical_text_so_equal_decimals_route_alike()
    {
        Assert.Equal(
            PartitionHasher.PartitionOf(ByMany, Row("acme", 12.5m), 0),
            PartitionHasher.PartitionOf(ByMany, Row("acme", 12.50m), 0));
        Assert.Equal(110, PartitionHasher.PartitionOf(ByMany, Row("acme", 12.5m), 0));
    }

    [Fact]
    public void PartitionOf_spreads_many_keys_evenly()
    {
        var counts = new int[ByUser.Partitions];
        var column = new ColumnVectorBuilder(ColumnKind.String);
        for (var i = 0; i < 80_000; i++)
        {
            column.AppendString($"user-{i}");
        }

        var vector = column.Build();
        for (var i = 0; i < vector.Count; i++)
        {
            counts[PartitionHasher.PartitionOf(ByUser, [vector], i)]++;
        }

        Assert.All(counts, count => Assert.InRange(count, 9_500, 10_500));
    }

    [Fact]
    public void PartitionOf_hashes_the_documented_bytes_with_xxh64()
    {
        // 0x01, little-endian UTF-8 length, UTF-8 text; XXH64 with seed 0; unsigned modulo.
        byte[] documented = [0x01, 0x07, 0x00, 0x00, 0x00, .. "Zürich"u8];
        var expected = (int)(System.IO.Hashing.XxHash64.HashToUInt64(documented) % 8);
        var column = new ColumnVectorBuilder(ColumnKind.String);
        column.AppendString("Zürich");

        Assert.Equal(expected, PartitionHasher.PartitionOf(ByUser, [column.Build()], 0));
    }

    private static ColumnVector[] Row(string? tenant, decimal amount)
    {
        var id = new ColumnVectorBuilder(ColumnKind.Uuid);
        id.AppendUuid(Guid.Parse("0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60"));
        var tenantColumn = new ColumnVectorBuilder(ColumnKind.String);
        if (tenant is null)
        {
            tenantColumn.AppendNull();
        }
        else
        {
            tenantColumn.AppendString(tenant);
        }

        var amountColumn = new ColumnVectorBuilder(ColumnKind.Decimal);
        amountColumn.AppendDecimal(amount);
        var at = new ColumnVectorBuilder(ColumnKind.Timestamp);
        at.AppendInt64(1_700_000_000_123_456L);
        var flag = new ColumnVectorBuilder(ColumnKind.Bool);
        flag.AppendBool(true);
        return [id.Build(), tenantColumn.Build(), amountColumn.Build(), at.Build(), flag.Build()];
    }
}
