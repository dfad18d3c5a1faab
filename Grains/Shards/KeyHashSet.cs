namespace Mallard.Grains.Shards;

/// <summary>
/// The 64-bit hashes of every key a shard stores (exact dedup's first test): open addressing in
/// 64 segments picked by the hash's top bits, so that growing one copies 1/64th of the set. About
/// 8 bytes per key at full load and 16 just after a segment doubles, against DuckDB's unique ART
/// index of ~60 bytes per random key that had to stay resident. A hit is only a candidate:
/// different keys may share a hash, and the caller confirms against the stored rows.
/// One writer (the shard, under its write gate) and any number of concurrent readers of
/// <see cref="Contains"/>: a slot is one atomic 64-bit write that only ever fills an empty slot,
/// and a grown segment is filled before it is published, so a reader sees every hash added before
/// it started and maybe some added while it ran.
/// </summary>
internal sealed class KeyHashSet
{
    private const int SegmentBits = 6;
    private const int InitialSegmentCapacity = 64;

    // 0 marks an empty slot; a hash of 0 is stored as 1 (at worst one more candidate to confirm).
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

    public bool Contains(ulong hash)
    {
        var value = Stored(hash);
        var segment = Volatile.Read(ref _segments[Segment(hash)]);
        var mask = segment.Length - 1;
        for (var slot = Slot((ulong)value, mask); ; slot = (slot + 1) & mask)
        {
            var found = segment[slot];
            if (found == value)
            {
                return true;
            }

            if (found == 0)
            {
                return false;
            }
        }
    }

    /// <summary>Adds a hash; false when it was there already.</summary>
    public bool Add(ulong hash)
    {
        var s = Segment(hash);
        if ((_counts[s] + 1) * 4L > _segments[s].Length * 3L)
        {
            Volatile.Write(ref _segments[s], Grow(_segments[s]));
        }

        if (!Insert(_segments[s], Stored(hash)))
        {
            return false;
        }

        _counts[s]++;
        Count++;
        return true;
    }

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
        var mask = segment.Length - 1;
        for (var slot = Slot((ulong)value, mask); ; slot = (slot + 1) & mask)
        {
            if (segment[slot] == value)
            {
                return false;
            }

            if (segment[slot] == 0)
            {
                segment[slot] = value;
                return true;
            }
        }
    }

    private static long Stored(ulong hash) => hash == 0 ? 1 : (long)hash;

    private static int Segment(ulong hash) => (int)(hash >> (64 - SegmentBits));

    // The low bits place a key inside its segment; the top bits already chose the segment.
    private static int Slot(ulong hash, int mask) => (int)(hash & (uint)mask);
}
