using Mallard.Grains.Shards;

namespace Mallard.Tests.ExactlyOnce;

public sealed class KeyHashSetTests
{
    [Fact]
    public void Add_manyRandomHashes_containsEveryOne_andNoneOfOthers()
    {
        var random = new Random(7);
        var stored = Enumerable.Range(0, 300_000).Select(_ => AnyHash(random)).Distinct().ToArray();
        var others = Enumerable.Range(0, 300_000).Select(_ => (ulong)random.NextInt64() | 1UL << 63).Except(stored).ToArray();
        var set = new KeyHashSet();

        Assert.All(stored, hash => Assert.True(set.Add(hash)));

        Assert.Equal(stored.Length, set.Count);
        Assert.All(stored, hash => Assert.True(set.Contains(hash)));
        Assert.DoesNotContain(others, set.Contains);
        // Open addressing at most 3/4 full, at least 3/8 after a segment doubles.
        Assert.InRange(set.Bytes, stored.Length * 8L * 4 / 3, stored.Length * 8L * 8 / 3 + 64 * 64 * 8);
    }

    [Fact]
    public void New_sizedForTheKeysAboutToBeAdded_takesThemWithoutGrowing()
    {
        var random = new Random(11);
        var set = new KeyHashSet(expectedCount: 200_000);
        var sized = set.Bytes;

        for (var i = 0; i < 200_000; i++)
        {
            set.Add(AnyHash(random));
        }

        Assert.Equal(sized, set.Bytes);
        Assert.InRange(sized, 200_000 * 8L * 4 / 3, 200_000 * 8L * 8 / 3);
    }

    [Fact]
    public void Add_aHashAlreadyThere_returnsFalse_andCountsItOnce()
    {
        var set = new KeyHashSet();

        Assert.True(set.Add(42));
        Assert.False(set.Add(42));
        Assert.Equal(1, set.Count);
    }

    [Fact]
    public void Add_hashZero_isFound_andSharesItsSlotWithTheHashOne()
    {
        var set = new KeyHashSet();

        set.Add(0);

        Assert.True(set.Contains(0));
        // Zero marks empty slots, so the hash 0 is stored as 1: a candidate the shard confirms against its rows.
        Assert.True(set.Contains(1));
        Assert.False(set.Contains(2));
        Assert.False(set.Add(1));
    }

    // NextInt64 never sets the top bit, which picks half of the segments.
    private static ulong AnyHash(Random random) => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
}
