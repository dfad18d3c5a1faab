using Mallard.Grains.Shards;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Writing;

/// <summary>
/// DuckDB stores a string that is not valid UTF-8 as NULL without an error, so a shard refuses a
/// batch whose UTF-8 column bytes are not valid (a peer's corrupt bytes; the gateway checks every
/// body) instead of writing nulls, and writes nothing of it.
/// </summary>
public sealed class ShardStringCheckTests
{
    [Theory]
    [InlineData(new byte[] { 0x61, 0xFF, 0x62 }, new[] { 0, 1, 3 })]        // a byte that is never UTF-8
    [InlineData(new byte[] { 0x61, 0xE2, 0x82, 0xAC }, new[] { 0, 2, 4 })]  // a value starting inside '€'
    [InlineData(new byte[] { 0x61, 0x62 }, new[] { 0, 2, 1 })]              // offsets going back
    public void Append_utf8ColumnThatIsNotValid_isRefusedAsBatchMismatch_andWritesNothing(byte[] bytes, int[] offsets)
    {
        using var data = new TempDirectory("mallard-utf8-check");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        var batch = ItemsShards.Batch([1, 2]);
        var corrupt = batch with { Columns = [batch.Columns[0], new ColumnVector { Kind = batch.Columns[1].Kind, Count = 2, Utf8 = bytes, Utf8Offsets = offsets }, batch.Columns[2]] };

        var error = Assert.Throws<PartitionException>(() => shard.Append(corrupt));

        Assert.Equal(ErrorCodes.BatchMismatch, error.Code);
        Assert.Contains("'v'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, shard.Stats().Rows);
    }

    [Fact]
    public void Append_utf8ColumnOfValidValues_isWritten()
    {
        using var data = new TempDirectory("mallard-utf8-check");
        using var shard = ItemsShards.Catalog(data.Path).Open(ItemsShards.Items, 0);
        var batch = ItemsShards.Batch([1, 2]);
        var valid = batch with { Columns = [batch.Columns[0], new ColumnVector { Kind = batch.Columns[1].Kind, Count = 2, Utf8 = [0x61, 0xE2, 0x82, 0xAC], Utf8Offsets = [0, 1, 4] }, batch.Columns[2]] };

        Assert.Equal(2, shard.Append(valid).Accepted);
    }
}
