using Mallard.Grains.Shards;

namespace Mallard.Tests.ExactlyOnce;

public sealed class WindowedKeyHashesTests
{
    private const long Window = 1_000;
    private const ulong Seven = 0x7777_1111_2222_3333;
    private const ulong Eight = 0x8888_4444_5555_6666;

    [Theory]
    [InlineData(0, 0)]
    [InlineData(999, 0)]
    [InlineData(1_000, 1)]
    [InlineData(-1, -1)]
    [InlineData(-1_000, -1)]
    [InlineData(-1_001, -2)]
    public void BucketOf_anEventTime_isItsWindowCountedFromTheEpoch_flooredBeforeIt(long time, long bucket)
    {
        Assert.Equal(bucket, new WindowedKeyHashes(Window).BucketOf(time));
    }

    [Fact]
    public void MayHold_aHashStoredWithinAWindowEitherSide_isACandidate_andFartherIsNot()
    {
        var keys = new WindowedKeyHashes(Window);
        keys.Add(Seven, 5_500);

        Assert.True(keys.MayHold(Seven, 4_500));
        Assert.True(keys.MayHold(Seven, 6_499));
        Assert.True(keys.MayHold(Seven, 4_000));   // bucket 4 neighbours bucket 5: a candidate, the rows decide
        Assert.False(keys.MayHold(Seven, 7_000));  // bucket 7: two away
        Assert.False(keys.MayHold(Eight, 5_500));
    }

    [Fact]
    public void Add_pastMaxBuckets_dropsTheOldest_andRecordsNeedingItAreCandidates()
    {
        var keys = new WindowedKeyHashes(Window);
        for (var bucket = 0; bucket <= WindowedKeyHashes.MaxBuckets; bucket++)
        {
            keys.Add(Hash(bucket), (bucket * Window) + 1);
        }

        Assert.Equal(WindowedKeyHashes.MaxBuckets, keys.Count);
        Assert.Equal(1, keys.OldestKept);
        // Bucket 1's neighbour 0 was dropped: anything there may be stored.
        Assert.True(keys.MayHold(Hash(999), 1_500));
        Assert.False(keys.MayHold(Hash(999), 2_500));

        // A record older than every kept bucket is not kept either.
        keys.Add(Hash(555), -5_000);
        Assert.Equal(WindowedKeyHashes.MaxBuckets, keys.Count);
    }

    [Fact]
    public void Measure_afterAdds_countsTheKeptBucketsSlots()
    {
        var keys = new WindowedKeyHashes(Window);
        keys.Add(Seven, 0);
        keys.Add(Eight, 1_000);
        Assert.Equal(0, keys.Bytes);

        keys.Measure();

        Assert.Equal(2 * new KeyHashSet().Bytes, keys.Bytes);
    }

    // Distinct in the bits a key-hash set keeps.
    private static ulong Hash(int n) => (ulong)n * 0x9E37_79B9_7F4A_7C15;
}
