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
    public void Add_hashWhoseKeptBitsAreZero_isFound_andSharesItsSlotWithTheHashOfKeptBitsOne()
    {
        var set = new KeyHashSet();
        const ulong KeptOne = 1UL << 18;

        set.Add(0);

        Assert.True(set.Contains(0));
        // Zero marks empty slots, so kept bits 0 are stored as 1: a candidate the shard confirms against its rows.
        Assert.True(set.Contains(KeptOne));
        Assert.False(set.Contains(KeptOne * 2));
    }

    [Fact]
    public void TryFind_aHashAddedWithItsRow_givesTheRowidsLow24Bits_andUnknownWithout()
    {
        var set = new KeyHashSet();

        set.Add(0xABCD_0000_0000_0000, rowid: (5L << 24) + 77);
        set.Add(0x1234_0000_0000_0000);

        Assert.True(set.TryFind(0xABCD_0000_0000_0000, out var known));
        Assert.Equal(77, known);
        Assert.True(set.TryFind(0x1234_0000_0000_0000, out var unknown));
        Assert.Equal(KeyHashSet.UnknownRow, unknown);
        Assert.False(set.TryFind(0x5555_0000_0000_0000, out _));
    }

    [Fact]
    public void Add_hashesThatDifferOnlyInTheBitsNotKept_areOneCandidate_keepingTheFirstRow()
    {
        var set = new KeyHashSet();

        Assert.True(set.Add(0x7777_0000_0000_0000, rowid: 1));
        // The low 18 bits are not kept: the second hash looks like the first, and the shard confirms.
        Assert.False(set.Add(0x7777_0000_0000_0001 | (1UL << 17), rowid: 2));

        Assert.True(set.TryFind(0x7777_0000_0000_3FFF, out var row));
        Assert.Equal(1, row);
        Assert.Equal(1, set.Count);
    }

    [Theory]
    [InlineData(77, 100, 4, new long[] { 77 })]
    [InlineData(77, 77, 4, new long[0])]                                             // beyond the table: a stale hint
    [InlineData(77, (2L << 24) + 78, 4, new long[] { 77, (1L << 24) + 77, (2L << 24) + 77 })]
    [InlineData(77, (2L << 24) + 77, 4, new long[] { 77, (1L << 24) + 77 })]
    [InlineData(77, (4L << 24) + 78, 4, new long[0])]                                // more rows than the limit
    [InlineData(KeyHashSet.UnknownRow, 100, 4, new long[0])]
    public void RowsOf_aHintInATableOfSomeRows_namesEveryRowWithThoseLowBits_upToTheLimit(int hint, long rows, int limit, long[] expected)
    {
        Assert.Equal(expected, KeyHashSet.RowsOf(hint, rows, limit));
    }

    // NextInt64 never sets the top bit, which picks half of the segments.
    private static ulong AnyHash(Random random) => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
}
