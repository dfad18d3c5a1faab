namespace Mallard.Grains.Shards;

/// <summary>
/// The hashes of every key a shard stores (exact dedup's first test) and where each key's row is:
/// open addressing in 64 segments picked by the hash's top 6 bits, so that growing one copies
/// 1/64th of the set. A slot is one 64-bit word: 40 more bits of the key's hash and the low 24
/// bits of its row's DuckDB <c>rowid</c>, so a point lookup can ask DuckDB for one row instead of
/// scanning. About 8 bytes per key at full load and 16 just after a segment doubles, against
/// DuckDB's unique ART index of ~60 bytes per random key that had to stay resident.
/// A hit is only a candidate: different keys may share the 46 bits kept (a batch of 10,000 new
/// keys into a shard of 10^7 keys meets one about once in 700 batches), and the caller confirms
/// against the stored rows; a row hint is only a hint, confirmed by the row it names.
/// One writer (the shard, under its write gate) and any number of concurrent readers: a slot is
/// one atomic 64-bit write that only ever fills an empty slot, and a grown segment is filled
/// before it is published, so a reader sees every hash added before it started and maybe some
/// added while it ran.
/// </summary>
internal sealed class KeyHashSet
{
    /// <summary>A row hint stands for the rows whose rowid has these low bits.</summary>
    public const int RowBits = 24;

    /// <summary>The hint of a key whose row is not known (stored by the staging path).</summary>
    public const int UnknownRow = (1 << RowBits) - 1;

    private const int SegmentBits = 6;
    private const int InitialSegmentCapacity = 64;
    private const long RowMask = UnknownRow;

    // 0 marks an empty slot; a hash whose kept bits are all 0 keeps 1 instead (at worst one more
    // candidate to confirm).
    private readonly long[][] _segments = new long[1 << SegmentBits][];
    private readonly int[] _counts = new int[1 << SegmentBits];

    /// <param name="expectedCount">Keys about to be added (a shard's stored rows at open): sized once, not doubled into.</param>
    public KeyHashSet(long expectedCount = 0)
    {
        var capacity = InitialSegmentCapacity;
        var perSegment = expectedCount / _segments.Length;
        while (capacity * 3L < perSegment * 4)
        {
            capacity *= 2;
        }

        for (var s = 0; s < _segments.Length; s++)
        {
            _segments[s] = new long[capacity];
        }
    }

    /// <summary>Keys in the set.</summary>
    public long Count { get; private set; }

    /// <summary>Bytes the set's slots take.</summary>
    public long Bytes => _segments.Sum(segment => (long)segment.Length) * sizeof(long);

    public bool Contains(ulong hash) => TryFind(hash, out _);

    /// <summary>Whether a key with this hash may be stored and, if so, the low bits of its row's rowid (or <see cref="UnknownRow"/>).</summary>
    public bool TryFind(ulong hash, out int rowHint)
    {
        var kept = Kept(hash);
        var segment = Volatile.Read(ref _segments[Segment(hash)]);
        var mask = segment.Length - 1;
        for (var slot = Slot(kept, mask); ; slot = (slot + 1) & mask)
        {
            var found = Volatile.Read(ref segment[slot]);
            if (found == 0)
            {
                rowHint = UnknownRow;
                return false;
            }

            if ((ulong)found >> RowBits == kept)
            {
                rowHint = (int)(found & RowMask);
                return true;
            }
        }
    }

    /// <summary>Adds a hash and where its row is (a negative rowid when not known); false when the hash was there already.</summary>
    public bool Add(ulong hash, long rowid = -1)
    {
        var s = Segment(hash);
        if ((_counts[s] + 1) * 4L > _segments[s].Length * 3L)
        {
            Volatile.Write(ref _segments[s], Grow(_segments[s]));
        }

        if (!Insert(_segments[s], (long)(Kept(hash) << RowBits) | RowHint(rowid)))
        {
            return false;
        }

        _counts[s]++;
        Count++;
        return true;
    }

    /// <summary>
    /// The rowids a hint stands for in a table of <paramref name="rows"/> rows (rowids are dense:
    /// the data tables are append-only), at most <paramref name="limit"/> of them; none when the
    /// hint is unknown or stands for more rows than that.
    /// </summary>
    public static long[] RowsOf(int rowHint, long rows, int limit)
    {
        if (rowHint == UnknownRow || rowHint >= rows)
        {
            return [];
        }

        var count = ((rows - 1 - rowHint) >> RowBits) + 1;
        return count > limit ? [] : [.. Enumerable.Range(0, (int)count).Select(k => rowHint + ((long)k << RowBits))];
    }

    private static long RowHint(long rowid) => rowid < 0 ? UnknownRow : rowid & RowMask;

    private static long[] Grow(long[] segment)
    {
        var grown = new long[segment.Length * 2];
        foreach (var value in segment)
        {
            if (value != 0)
            {
                Insert(grown, value);
            }
        }

        return grown;
    }

    private static bool Insert(long[] segment, long value)
    {
        var kept = (ulong)value >> RowBits;
        var mask = segment.Length - 1;
        for (var slot = Slot(kept, mask); ; slot = (slot + 1) & mask)
        {
            var found = segment[slot];
            if (found == 0)
            {
                Volatile.Write(ref segment[slot], value);
                return true;
            }

            if ((ulong)found >> RowBits == kept)
            {
                return false;
            }
        }
    }

    // The 40 bits below the segment's 6: the segment already tells those apart.
    private static ulong Kept(ulong hash)
    {
        var kept = (hash >> (64 - SegmentBits - 40)) & ((1UL << 40) - 1);
        return kept == 0 ? 1 : kept;
    }

    private static int Segment(ulong hash) => (int)(hash >> (64 - SegmentBits));

    // The kept bits' low end places a key inside its segment.
    private static int Slot(ulong kept, int mask) => (int)(kept & (uint)mask);
}
